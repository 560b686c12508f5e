-- name: insert_answer
-- One round trip accepts an answer: the game must have this question open, the deadline (the
-- database clock) not passed, the team must belong to the game, and the team must not have
-- answered already. FOR SHARE makes a concurrent close wait for this insert (or this insert wait
-- for the close, and then find the question closed), so no answer escapes scoring.
insert into answer (game_id, team_id, question_id, choice, text, number)
select g.id, t.id, g.question_id, %(choice)s, %(text)s, %(number)s
from game g
join team t on t.game_id = g.id and t.id = %(team_id)s and t.token = %(token)s
join question q on q.id = g.question_id
where g.code = %(code)s
  -- the answer must be of the question's kind (a number for a numeric question, ...)
  and case q.kind when 'numeric' then %(number)s::numeric is not null
                  when 'text' then %(text)s::text is not null
                  else %(choice)s::int < cardinality(q.options) end
  and g.phase = 'question'
  and g.question_id = %(question_id)s
  and g.deadline_at > now()
for share of g
on conflict (team_id, question_id) do nothing
returning id, game_id;

-- name: answer_of_team
select * from answer where team_id = %(team_id)s and question_id = %(question_id)s;

-- name: answers_to_question
select a.*, t.name as team_name,
       extract(epoch from a.submitted_at - g.opened_at) as seconds_taken
from answer a
join team t on t.id = a.team_id
join game g on g.id = a.game_id
where a.game_id = %(game_id)s and a.question_id = %(question_id)s
order by a.submitted_at;

-- name: count_answers
select count(*) as answered from answer
where game_id = %(game_id)s and question_id = %(question_id)s;

-- name: set_scores
update answer
set correct = s.correct, points = s.points
from (select unnest(%(ids)s::bigint[]) as id,
             unnest(%(correct)s::boolean[]) as correct,
             unnest(%(points)s::int[]) as points) as s
where answer.id = s.id;

-- name: leaderboard
select t.id, t.name, coalesce(sum(a.points), 0)::int as total
from team t left join answer a on a.team_id = t.id
where t.game_id = %(game_id)s
group by t.id
order by total desc, lower(t.name);
