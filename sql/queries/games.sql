-- name: insert_game
insert into game (quiz_id, host_id, code, venue, season_id, language)
values (%(quiz_id)s, %(host_id)s, %(code)s, %(venue)s, %(season_id)s, %(language)s)
on conflict (code) do nothing
returning id, code, host_id, quiz_id, phase, version, deadline_at, created_at, language;

-- name: game_by_code
select * from game where code = %(code)s;

-- name: game_by_id
-- Every row a snapshot is built from carries its quiz's revision: the quiz's contents come from the
-- cache kept under that revision (games.quiz_contents), not from the database.
select *, (select revision from quiz where quiz.id = game.quiz_id) as quiz_revision,
       (select language from host where host.id = game.host_id) as host_language
from game where id = %(id)s;

-- name: lock_game
select *, (select revision from quiz where quiz.id = game.quiz_id) as quiz_revision,
       (select language from host where host.id = game.host_id) as host_language
from game where id = %(id)s for update;

-- name: games_of_host
select g.id, g.code, g.phase, g.created_at, q.title,
       (select count(*) from team t where t.game_id = g.id) as team_count
from game g join quiz q on q.id = g.quiz_id
where g.host_id = %(host_id)s
order by g.created_at desc
limit 50;

-- name: move_game
-- Every transition bumps the version: the host console posts the version it showed, so a
-- double click or a stale tab cannot apply one action twice. The move's audit row is written by
-- the same statement: a click is one round trip fewer.
with moved as (
update game
set phase = %(phase)s,
    round_index = %(round_index)s,
    question_index = %(question_index)s,
    question_id = %(question_id)s,
    opened_at = case when %(opens)s then now() else opened_at end,
    deadline_at = case when %(opens)s then now() + make_interval(secs => %(time_limit)s)
                       when %(phase)s = 'question' then deadline_at
                       else null end,
    ended_at = case when %(phase)s = 'ended' then now() else null end,
    version = version + 1
where id = %(id)s
returning *, extract(epoch from deadline_at - now()) as seconds_left,
          (select revision from quiz where quiz.id = game.quiz_id) as quiz_revision,
       (select language from host where host.id = game.host_id) as host_language
), audited as (
    insert into audit (game_id, actor, action, detail)
    select id, %(actor)s, %(action)s, %(detail)s from moved
)
select * from moved;

-- name: due_games
-- Questions whose deadline has passed. SKIP LOCKED lets every process sweep at once: each
-- due game is claimed by exactly one of them, and the others move on.
select *, (select revision from quiz where quiz.id = game.quiz_id) as quiz_revision,
       (select language from host where host.id = game.host_id) as host_language
from game
where phase = 'question' and deadline_at <= now() and paused_at is null
order by deadline_at
for update skip locked;

-- name: pause_game
update game set paused_at = now(), version = version + 1
where id = %(id)s
returning *, (select revision from quiz where quiz.id = game.quiz_id) as quiz_revision,
       (select language from host where host.id = game.host_id) as host_language;

-- name: resume_game
-- A paused question keeps the time it had left: its deadline moves by the length of the pause.
update game
set deadline_at = deadline_at + (now() - paused_at), paused_at = null, version = version + 1
where id = %(id)s
returning *, extract(epoch from deadline_at - now()) as seconds_left,
          (select revision from quiz where quiz.id = game.quiz_id) as quiz_revision,
       (select language from host where host.id = game.host_id) as host_language;

-- name: set_scores_hidden
update game set scores_hidden = %(hidden)s where id = %(id)s;

-- name: set_audio
update game set audio_playing = %(playing)s where id = %(id)s;

-- name: set_marker_token
update game set marker_token = %(token)s where id = %(id)s;

-- name: set_console_url
update game set console_url = %(url)s where id = %(id)s and console_url is distinct from %(url)s;

-- name: insert_audit
insert into audit (game_id, actor, action, detail)
values (%(game_id)s, %(actor)s, %(action)s, %(detail)s);

-- name: audit_of_game
select * from audit where game_id = %(game_id)s order by created_at desc, id desc limit 500;

-- name: now
select now() as now;

-- name: set_phase
update game set phase = %(phase)s, version = version + 1
where id = %(id)s
returning *, (select revision from quiz where quiz.id = game.quiz_id) as quiz_revision,
       (select language from host where host.id = game.host_id) as host_language;

-- name: insert_tiebreak
insert into tiebreak (game_id, prompt, answer, team_ids, deadline_at)
values (%(game_id)s, %(prompt)s, %(answer)s, %(team_ids)s, now() + make_interval(secs => %(seconds)s));

-- name: close_tiebreak
update tiebreak set closed_at = now()
where game_id = %(game_id)s and closed_at is null;

-- name: insert_tiebreak_answer
-- Only a tied team, once, while the tie-break is open and before its deadline.
insert into tiebreak_answer (tiebreak_id, team_id, number)
select tb.id, %(team_id)s, %(number)s
from tiebreak tb join game g on g.id = tb.game_id
where tb.game_id = %(game_id)s and tb.closed_at is null and g.phase = 'tiebreak'
  and tb.deadline_at > now() and %(team_id)s = any(tb.team_ids)
on conflict (tiebreak_id, team_id) do nothing
returning team_id;

-- name: set_lobby_closed
update game set lobby_closed = %(closed)s where id = %(id)s;

-- name: set_game_language
-- A new version: the cached game (games.by_code) carries the language its phones are served in.
update game set language = %(language)s, version = version + 1
where id = %(id)s and phase = 'lobby'
returning *, (select revision from quiz where quiz.id = game.quiz_id) as quiz_revision,
       (select language from host where host.id = game.host_id) as host_language;
