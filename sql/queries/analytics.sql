-- The analytics dashboard reads only (analytics_pages.py runs every one of these through one
-- helper). A "right" answer is one scoring or a person marked right or half right; a free-text
-- answer not marked yet is not right. Days are UTC days.

-- name: analytics_game_questions
-- Each question teams answered in this game, in play order, numbered as the console numbers
-- them (R2 Q1: the second round, its first question).
select q.id, q.prompt,
       (select count(*) from round r2 where r2.quiz_id = r.quiz_id and (r2.position, r2.id) <= (r.position, r.id)) as round_number,
       (select count(*) from question q2 where q2.round_id = q.round_id and (q2.position, q2.id) <= (q.position, q.id)) as number,
       count(*) as answers,
       count(*) filter (where a.correct) as right_answers,
       avg(greatest(q.time_limit - a.seconds_left, 0)) as mean_seconds
from answer a
join question q on q.id = a.question_id
join round r on r.id = q.round_id
where a.game_id = %(game_id)s
group by q.id, r.id
order by r.position, r.id, q.position, q.id;

-- name: analytics_game_times
-- How long each answer took by the question's clock (seconds_left is what it showed; a pause
-- stops it), so the spread of times is the spread the teams lived.
select greatest(q.time_limit - a.seconds_left, 0) as seconds
from answer a join question q on q.id = a.question_id
where a.game_id = %(game_id)s and a.seconds_left is not null;

-- name: analytics_host_questions
-- Each question of the host's games started in [first, after) (a bound that is null: none), of
-- one quiz or (quiz_id null) every quiz, over all those games.
select q.id, q.prompt, z.title as quiz_title,
       (select count(*) from round r2 where r2.quiz_id = r.quiz_id and (r2.position, r2.id) <= (r.position, r.id)) as round_number,
       (select count(*) from question q2 where q2.round_id = q.round_id and (q2.position, q2.id) <= (q.position, q.id)) as number,
       count(*) as answers,
       count(*) filter (where a.correct) as right_answers,
       count(distinct a.game_id) as games
from game g
join answer a on a.game_id = g.id
join question q on q.id = a.question_id
join round r on r.id = q.round_id
join quiz z on z.id = r.quiz_id
where g.host_id = %(host_id)s
  and (%(quiz_id)s::bigint is null or g.quiz_id = %(quiz_id)s)
  and (%(first)s::timestamptz is null or g.created_at >= %(first)s)
  and (%(after)s::timestamptz is null or g.created_at < %(after)s)
group by q.id, r.id, z.id
order by z.title, z.id, r.position, r.id, q.position, q.id;

-- name: analytics_host_games
-- How many of those games, and teams in them.
select count(distinct g.id) as games, count(t.id) as teams
from game g left join team t on t.game_id = g.id and t.kicked_at is null
where g.host_id = %(host_id)s
  and (%(quiz_id)s::bigint is null or g.quiz_id = %(quiz_id)s)
  and (%(first)s::timestamptz is null or g.created_at >= %(first)s)
  and (%(after)s::timestamptz is null or g.created_at < %(after)s);

-- name: analytics_days
-- For the operator, each UTC day of [first, after) with a game: games started, answers to the
-- games started that day, and the busiest second of those answers (the most answers whose
-- latest pick was made in one second). Answers are found through their games (the answer_game
-- index), not by scanning every answer ever given.
with games as (
    select id, (created_at at time zone 'UTC')::date as day
    from game where created_at >= %(first)s and created_at < %(after)s
), seconds as (
    select g.day, date_trunc('second', a.submitted_at) as second, count(*) as answers
    from games g join answer a on a.game_id = g.id
    group by g.day, date_trunc('second', a.submitted_at)
)
select d.day, d.games, coalesce(s.answers, 0) as answers, coalesce(s.busiest_second, 0) as busiest_second
from (select day, count(*) as games from games group by day) as d
left join (select day, sum(answers) as answers, max(answers) as busiest_second from seconds group by day) as s
  on s.day = d.day
order by d.day;
