-- name: insert_answer
-- One round trip takes a team's pick: the game must have this question open and not paused, the
-- deadline (the database clock) not passed, the answer of the question's kind, and the browser a
-- member of a team still in the game. A pick replaces the team's earlier one until it is locked
-- in; a team with one phone locks in with its first tap. FOR SHARE makes a concurrent close wait
-- for this insert (or this insert wait for the close, and then find the question closed), so no
-- answer escapes scoring. The game's created_at is the partition key (migration 0013).
insert into answer (game_id, team_id, question_id, choice, text, number, member_id, locked, seconds_left,
                    game_created_at)
select g.id, t.id, g.question_id, %(choice)s, %(text)s, %(number)s, m.id,
       (select count(*) from member where team_id = t.id) = 1,
       extract(epoch from g.deadline_at - now()), g.created_at
from game g
join member m on m.token = %(token)s
join team t on t.id = m.team_id and t.game_id = g.id and t.kicked_at is null
join question q on q.id = g.question_id
where g.code = %(code)s
  and g.phase = 'question'
  and g.paused_at is null
  and g.question_id = %(question_id)s
  and g.deadline_at > now()
  -- the answer must be of the question's kind (a number for a numeric question, ...)
  and case q.kind when 'numeric' then %(number)s::numeric is not null
                  when 'text' then %(text)s::text is not null
                  else %(choice)s::int < cardinality(q.options) end
for share of g
on conflict (team_id, question_id, game_created_at) do update
set choice = excluded.choice, text = excluded.text, number = excluded.number,
    member_id = excluded.member_id, submitted_at = now(), updated_at = now(),
    seconds_left = excluded.seconds_left
where not answer.locked
-- The option's words, so the phone shows "B Mars" and not just "B" (a lookup by key, same statement).
-- The game's language too: the phone's reply speaks it, and this path reads nothing else.
returning id, game_id, game_created_at, team_id, locked,
          (select options[answer.choice + 1] from question where id = answer.question_id) as option_text,
          (select language from game where id = answer.game_id) as language;

-- name: lock_answer
-- The captain locks the team's pick in before the deadline.
-- Here and below, the game's created_at given as game_created_at names the game's one partition
-- of answers, so PostgreSQL plans for that partition alone (migration 0013).
update answer a set locked = true
from game g, member m
where a.team_id = %(team_id)s and a.question_id = %(question_id)s
  and a.game_created_at = %(game_created_at)s
  and g.id = a.game_id and g.phase = 'question' and g.paused_at is null
  and g.question_id = a.question_id and g.deadline_at > now()
  and m.team_id = a.team_id and m.token = %(token)s and m.captain
returning a.id;

-- name: answer_of_team
select * from answer
where team_id = %(team_id)s and question_id = %(question_id)s
  and game_created_at = %(game_created_at)s;

-- name: answers_to_question
select a.*, t.name as team_name,
       coalesce(q.time_limit - a.seconds_left, extract(epoch from a.submitted_at - g.opened_at)) as seconds_taken
from answer a
join team t on t.id = a.team_id
join game g on g.id = a.game_id
join question q on q.id = a.question_id
where a.game_id = %(game_id)s and a.question_id = %(question_id)s
  and a.game_created_at = %(game_created_at)s
order by a.submitted_at;

-- name: count_answers
-- waiting: the phone teams the host is still waiting for, by name; the console speaks its host's
-- language, the projector the game's.
select (select count(*) from answer
        where game_id = %(game_id)s and question_id = %(question_id)s
          and game_created_at = %(game_created_at)s) as answered,
       (select count(*) from team
        where game_id = %(game_id)s and kicked_at is null and not paper) as teams,
       array(select t.name from team t
             where t.game_id = %(game_id)s and t.kicked_at is null and not t.paper
               and not exists (select 1 from answer a
                               where a.team_id = t.id and a.question_id = %(question_id)s
                                 and a.game_created_at = %(game_created_at)s)
             order by t.name) as waiting,
       g.language, (select language from host where host.id = g.host_id) as host_language
from game g where g.id = %(game_id)s;

-- name: set_scores
update answer
set correct = s.correct, points = s.points
from (select unnest(%(ids)s::bigint[]) as id,
             unnest(%(correct)s::boolean[]) as correct,
             unnest(%(points)s::numeric[]) as points) as s
where answer.id = s.id and answer.game_created_at = %(game_created_at)s;

-- name: current_corrections
select distinct on (team_id, question_id) team_id, question_id, points, reason
from correction where game_id = %(game_id)s
order by team_id, question_id, created_at desc, id desc;

-- name: current_markings
-- The verdict in force for each group of answers: the newest one not undone.
select distinct on (answer_key) answer_key, verdict, actor, created_at
from marking
where game_id = %(game_id)s and question_id = %(question_id)s and undone_at is null
order by answer_key, created_at desc, id desc;

-- name: insert_correction
insert into correction (game_id, team_id, question_id, points, reason, actor)
values (%(game_id)s, %(team_id)s, %(question_id)s, %(points)s, %(reason)s, %(actor)s);

-- name: insert_marking
insert into marking (game_id, question_id, answer_key, verdict, actor)
values (%(game_id)s, %(question_id)s, %(answer_key)s, %(verdict)s, %(actor)s)
returning id;

-- name: undo_marking
update marking set undone_at = now()
where id = %(id)s and game_id = %(game_id)s and undone_at is null
returning question_id, answer_key, verdict;

-- name: markings_of_question
select * from marking where game_id = %(game_id)s and question_id = %(question_id)s
order by created_at desc, id desc;
