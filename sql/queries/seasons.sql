-- name: insert_season
insert into season (host_id, name, scoring, best_of, place_points)
values (%(host_id)s, %(name)s, %(scoring)s, %(best_of)s, %(place_points)s)
returning id;

-- name: seasons_of_host
select s.*, (select count(*) from game g where g.season_id = s.id) as game_count,
       (select count(*) from season_team st where st.season_id = s.id) as team_count
from season s where s.host_id = %(host_id)s
order by s.created_at desc, s.id desc;

-- name: season_by_id
select * from season where id = %(id)s;

-- name: games_of_season
-- Every game of the season, oldest first: the ended ones are its weeks.
select g.id, g.code, g.phase, g.created_at, q.title
from game g join quiz q on q.id = g.quiz_id
where g.season_id = %(season_id)s
order by g.created_at, g.id;

-- name: set_game_season
-- A game is put in one of its own host's seasons, or taken out (season_id null).
update game set season_id = %(season_id)s
where id = %(id)s
  and (%(season_id)s::bigint is null
       or exists (select 1 from season s where s.id = %(season_id)s and s.host_id = game.host_id));

-- name: season_of_game
select s.* from season s join game g on g.season_id = s.id where g.id = %(game_id)s;

-- name: season_team_by_name
select * from season_team where season_id = %(season_id)s and lower(name) = lower(%(name)s);

-- name: claim_season_team
-- A name new to the season claims itself with its team's PIN; a claim made a moment ago by
-- another game's team wins (nothing is returned).
insert into season_team (season_id, name, pin) values (%(season_id)s, %(name)s, %(pin)s)
on conflict (season_id, lower(name)) do nothing
returning id;

-- name: link_team
update team set season_team_id = %(season_team_id)s where id = %(id)s;

-- name: season_teams
select id, name from season_team where season_id = %(season_id)s order by lower(name), id;

-- name: season_week_teams
-- The teams of the season's ended games that play for a season team: how each week is read.
select t.id, t.game_id, st.name
from team t join game g on g.id = t.game_id join season_team st on st.id = t.season_team_id
where g.season_id = %(season_id)s and g.phase = 'ended' and t.kicked_at is null;
