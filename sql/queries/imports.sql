-- name: keep_import
-- The host's one pending import: a new upload replaces the one before.
insert into quiz_import (host_id, document) values (%(host_id)s, %(document)s)
on conflict (host_id) do update set document = excluded.document, created_at = now()
returning id;

-- name: take_import
-- Taken once: a second press of "Create this quiz" (or a reload) finds nothing and makes no twin.
delete from quiz_import where id = %(id)s and host_id = %(host_id)s returning document;

-- name: insert_imported_round
insert into round (quiz_id, title, position, joker_eligible, negative_marking)
values (%(quiz_id)s, %(title)s, %(position)s, %(joker_eligible)s, %(negative_marking)s)
returning id;

-- name: insert_imported_question
insert into question (round_id, position, kind, prompt, options, correct_option, accepted,
                      numeric_answer, tolerance, time_limit, points, image_on_phones, image_id, audio_id,
                      category, difficulty)
values (%(round_id)s, %(position)s, %(kind)s, %(prompt)s, %(options)s, %(correct_option)s,
        %(accepted)s, %(numeric_answer)s, %(tolerance)s, %(time_limit)s, %(points)s,
        %(image_on_phones)s, %(image_id)s, %(audio_id)s, %(category)s, %(difficulty)s)
returning id;
