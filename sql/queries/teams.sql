-- name: insert_team
insert into team (game_id, name, pin, paper, season_team_id)
values (%(game_id)s, %(name)s, %(pin)s, %(paper)s, %(season_team_id)s)
on conflict (game_id, lower(name)) do nothing
returning id, name, pin;

-- name: insert_member
insert into member (team_id, token, captain) values (%(team_id)s, %(token)s, %(captain)s)
returning id;

-- name: member_identity
-- Who a browser plays as: its own member row and the team it plays for now (a merge may have
-- moved it to another team).
select t.id, t.game_id, t.name, t.pin, t.version, t.kicked_at is not null as kicked,
       m.id as member_id, m.captain, m.token
from member m join team t on t.id = m.team_id
where m.token = %(token)s and t.game_id = %(game_id)s;

-- name: members_of_team
select t.id, t.game_id, t.name, t.pin, t.version, t.kicked_at is not null as kicked,
       m.id as member_id, m.captain, m.token
from team t join member m on m.team_id = t.id
where t.id = %(team_id)s;

-- name: teams_in_game
select count(*) as teams from team where game_id = %(game_id)s;

-- name: team_by_name
select * from team
where game_id = %(game_id)s and lower(name) = lower(%(name)s) and kicked_at is null;

-- name: team_by_id
select * from team where id = %(id)s and game_id = %(game_id)s;

-- name: teams_of_game
select id, name, paper, pin from team where game_id = %(game_id)s and kicked_at is null
order by lower(name), id;

-- name: rename_team
update team set name = %(name)s, version = version + 1
where id = %(id)s and game_id = %(game_id)s and kicked_at is null
  and not exists (select 1 from team o where o.game_id = %(game_id)s and o.id <> %(id)s
                  and lower(o.name) = lower(%(name)s));

-- name: kick_team
update team set kicked_at = now(), version = version + 1
where id = %(id)s and game_id = %(game_id)s and kicked_at is null;

-- name: merge_answers
-- Keep the target team's answer where both answered; take the other team's where only it did.
update answer set team_id = %(into)s
where team_id = %(from)s and game_created_at = %(game_created_at)s
  and question_id not in (select question_id from answer
                          where team_id = %(into)s and game_created_at = %(game_created_at)s);

-- name: merge_members
update member set team_id = %(into)s, captain = false where team_id = %(from)s;

-- name: merge_joker
update joker set team_id = %(into)s
where team_id = %(from)s and not exists (select 1 from joker where team_id = %(into)s);

-- name: merge_paper_scores
update paper_score set team_id = %(into)s
where team_id = %(from)s
  and round_id not in (select round_id from paper_score where team_id = %(into)s);

-- name: merge_corrections
update correction set team_id = %(into)s
where team_id = %(from)s
  and question_id not in (select question_id from correction where team_id = %(into)s);

-- name: delete_team
delete from team where id = %(id)s and game_id = %(game_id)s;

-- name: touch_team
-- After a merge the team's version must end above both teams' versions, or the phones moved
-- over would keep their cached identity (the other team's, at a higher version).
update team set version = greatest(version, (select version from team where id = %(from)s)) + 1
where id = %(id)s;

-- name: play_joker
insert into joker (team_id, round_id)
select %(team_id)s, %(round_id)s
where exists (select 1 from round r join game g on g.quiz_id = r.quiz_id
              where r.id = %(round_id)s and g.id = %(game_id)s and r.joker_eligible)
on conflict (team_id) do nothing
returning round_id;

-- name: set_paper_score
insert into paper_score (team_id, round_id, points) values (%(team_id)s, %(round_id)s, %(points)s)
on conflict (team_id, round_id) do update set points = excluded.points;

-- name: latest_tiebreak
select * from tiebreak where game_id = %(game_id)s order by id desc limit 1;

-- name: closed_tiebreaks
-- Every decided tie-break of a game, oldest first: together they order the tied teams.
select * from tiebreak where game_id = %(game_id)s and closed_at is not null order by id;

-- name: tiebreak_answers
select team_id, number from tiebreak_answer where tiebreak_id = %(tiebreak_id)s;
