-- name: game_state
-- What a snapshot reads besides the game row, in one statement because every change reads it:
-- the teams in play, every answer's points, the extras in force (jokers, paper scores, the
-- newest correction of each answer) and the answers to the current question (none when
-- %(question_id)s is null). Each is JSON text; numbers are written as PostgreSQL has them, so
-- snapshot.py reads them back exact (halves stay halves).
select
    (select coalesce(json_agg(t order by lower(t.name), t.id), '[]')
     from (select id, name, paper, pin from team
           where game_id = %(game_id)s and kicked_at is null) as t)::text as teams,
    (select coalesce(json_agg(json_build_array(team_id, question_id, points)), '[]')
     from answer
     where game_id = %(game_id)s and game_created_at = %(game_created_at)s)::text as scored,
    (select coalesce(json_agg(e), '[]') from (
        select 'joker' as kind, j.team_id, j.round_id, null::bigint as question_id, null::numeric as points
        from joker j join team t on t.id = j.team_id where t.game_id = %(game_id)s
        union all
        select 'paper', p.team_id, p.round_id, null, p.points
        from paper_score p join team t on t.id = p.team_id where t.game_id = %(game_id)s
        union all
        select * from (select distinct on (team_id, question_id) 'correction', team_id, null::bigint,
                              question_id, points
                       from correction where game_id = %(game_id)s
                       order by team_id, question_id, created_at desc, id desc) as c
     ) as e)::text as extras,
    (select coalesce(json_agg(json_build_object(
                'id', a.id, 'team_id', a.team_id, 'question_id', a.question_id, 'choice', a.choice,
                'text', a.text, 'number', a.number, 'correct', a.correct, 'points', a.points,
                'locked', a.locked,
                'seconds_taken', coalesce(q.time_limit - a.seconds_left,
                                          extract(epoch from a.submitted_at - g.opened_at)))
            order by a.submitted_at, a.id), '[]')
     from answer a
     join game g on g.id = a.game_id
     join question q on q.id = a.question_id
     where a.game_id = %(game_id)s and a.question_id = %(question_id)s
       and a.game_created_at = %(game_created_at)s)::text as answers;
