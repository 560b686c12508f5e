-- name: insert_team
insert into team (game_id, name, token)
values (%(game_id)s, %(name)s, %(token)s)
on conflict (game_id, lower(name)) do nothing
returning id, name;

-- name: team_in_game
select * from team where id = %(team_id)s and game_id = %(game_id)s and token = %(token)s;

-- name: teams_of_game
select id, name from team where game_id = %(game_id)s order by joined_at, id;
