-- name: insert_quiz
insert into quiz (host_id, title) values (%(host_id)s, %(title)s) returning id;

-- name: quiz_by_id
select * from quiz where id = %(id)s;

-- name: quizzes_of_host
select q.id, q.title,
       (select count(*) from round r where r.quiz_id = q.id) as round_count,
       (select count(*) from round r join question x on x.round_id = r.id
         where r.quiz_id = q.id) as question_count
from quiz q where q.host_id = %(host_id)s
order by q.created_at desc;

-- name: quiz_contents
-- What deleting a quiz takes with it (its games cascade too), for the confirmation page.
select (select count(*) from round r where r.quiz_id = %(id)s) as round_count,
       (select count(*) from round r join question x on x.round_id = r.id
         where r.quiz_id = %(id)s) as question_count,
       (select count(*) from game g where g.quiz_id = %(id)s) as game_count;

-- name: update_quiz
update quiz
set title = %(title)s, speed_bonus = %(speed_bonus)s, leaderboard_mode = %(leaderboard_mode)s,
    leaderboard_top = %(leaderboard_top)s
where id = %(id)s;

-- name: delete_quiz
delete from quiz where id = %(id)s;

-- name: rounds_of_quiz
select * from round where quiz_id = %(quiz_id)s order by position, id;

-- name: insert_round
insert into round (quiz_id, title, position)
select %(quiz_id)s, %(title)s, coalesce(max(position), 0) + 1 from round where quiz_id = %(quiz_id)s
returning id;

-- name: round_by_id
select r.*, q.host_id from round r join quiz q on q.id = r.quiz_id where r.id = %(id)s;

-- name: update_round
update round
set title = %(title)s, joker_eligible = %(joker_eligible)s, negative_marking = %(negative_marking)s
where id = %(id)s;

-- name: delete_round
delete from round where id = %(id)s;

-- name: set_round_positions
update round set position = p.position
from unnest(%(ids)s::bigint[]) with ordinality as p(id, position)
where round.id = p.id;

-- name: questions_of_quiz
select x.*, r.title as round_title, r.joker_eligible, r.negative_marking,
       (select secret from media where id = x.image_id) as image_secret,
       (select secret from media where id = x.audio_id) as audio_secret
from question x join round r on r.id = x.round_id
where r.quiz_id = %(quiz_id)s
order by r.position, r.id, x.position, x.id;

-- name: questions_of_round
select id from question where round_id = %(round_id)s order by position, id;

-- name: question_by_id
select x.*, r.quiz_id, r.negative_marking, r.joker_eligible, q.host_id,
       (select secret from media where id = x.image_id) as image_secret,
       (select secret from media where id = x.audio_id) as audio_secret
from question x join round r on r.id = x.round_id join quiz q on q.id = r.quiz_id
where x.id = %(id)s;

-- name: insert_question
insert into question (round_id, position, kind, prompt, options, correct_option, accepted,
                      numeric_answer, tolerance, time_limit, points, image_on_phones, category,
                      difficulty)
select %(round_id)s, coalesce(max(position), 0) + 1, %(kind)s, %(prompt)s, %(options)s,
       %(correct_option)s, %(accepted)s, %(numeric_answer)s, %(tolerance)s, %(time_limit)s,
       %(points)s, %(image_on_phones)s, %(category)s, %(difficulty)s
from question where round_id = %(round_id)s
returning id;

-- name: update_question
update question
set kind = %(kind)s, prompt = %(prompt)s, options = %(options)s,
    correct_option = %(correct_option)s, accepted = %(accepted)s,
    numeric_answer = %(numeric_answer)s, tolerance = %(tolerance)s,
    time_limit = %(time_limit)s, points = %(points)s, image_on_phones = %(image_on_phones)s,
    category = %(category)s, difficulty = %(difficulty)s
where id = %(id)s;

-- name: delete_question
delete from question where id = %(id)s;

-- name: set_question_positions
update question set position = p.position
from unnest(%(ids)s::bigint[]) with ordinality as p(id, position)
where question.id = p.id;

-- name: update_answer_key
update question
set correct_option = %(correct_option)s, accepted = %(accepted)s,
    numeric_answer = %(numeric_answer)s, tolerance = %(tolerance)s
where id = %(id)s;

-- name: insert_media
insert into media (host_id, kind, content_type, filename, size, sha256, bytes)
values (%(host_id)s, %(kind)s, %(content_type)s, %(filename)s, %(size)s, %(sha256)s, %(bytes)s)
returning id;

-- name: media_by_id
select * from media where id = %(id)s;

-- name: set_question_image
update question set image_id = %(media_id)s where id = %(id)s;

-- name: set_question_audio
update question set audio_id = %(media_id)s where id = %(id)s;
