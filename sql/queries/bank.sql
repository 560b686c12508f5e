-- name: bank_questions
-- One page of the host's questions that match: the newest quiz first, in the order of its rounds,
-- each with the quiz and round it is in and when it was last played. Empty filters match all;
-- the words match whole words, accents and case ignored (sql/migrations/0011).
select x.id, x.kind, x.prompt, x.options, x.correct_option, x.accepted, x.numeric_answer,
       x.tolerance, x.category, x.difficulty, x.image_id, x.audio_id, x.round_id,
       q.id as quiz_id, q.title as quiz_title, r.title as round_title,
       last.played_at, last.venue
from question x
join round r on r.id = x.round_id
join quiz q on q.id = r.quiz_id
left join lateral (
    select played_at, venue from question_play
    where question_id = x.id order by played_at desc limit 1
) last on true
where q.host_id = %(host_id)s
  and (%(words)s::text is null
       or x.search @@ websearch_to_tsquery('simple', search_fold(%(words)s::text)))
  and (%(kind)s::text is null or x.kind = %(kind)s::text)
  and (%(category)s::text is null or lower(x.category) = lower(%(category)s::text))
  and (%(difficulty)s::text is null or x.difficulty = %(difficulty)s::text)
order by q.created_at desc, q.id desc, r.position, r.id, x.position, x.id
limit %(limit)s offset %(offset)s;

-- name: bank_categories
-- The categories the host has used, for the filter's choices.
select distinct category from question x
join round r on r.id = x.round_id join quiz q on q.id = r.quiz_id
where q.host_id = %(host_id)s and x.category is not null
order by category;

-- name: copy_question
-- A question from the bank appended to a round: the same question, with the same picture and
-- sound (media rows are the host's and are never deleted while a question uses them).
insert into question (round_id, position, kind, prompt, options, correct_option, accepted,
                      numeric_answer, tolerance, time_limit, points, image_on_phones, image_id,
                      audio_id, category, difficulty)
select %(round_id)s,
       (select coalesce(max(position), 0) + 1 from question where round_id = %(round_id)s),
       kind, prompt, options, correct_option, accepted, numeric_answer, tolerance, time_limit,
       points, image_on_phones, image_id, audio_id, category, difficulty
from question where id = %(id)s
returning id;

-- name: last_plays_of_quiz
-- When and where each of the quiz's questions was last played (those played at all).
select distinct on (x.id) x.id as question_id, qp.played_at, qp.venue
from question x
join round r on r.id = x.round_id
join question_play qp on qp.question_id = x.id
where r.quiz_id = %(quiz_id)s
order by x.id, qp.played_at desc;

-- name: repeats_at_venue
-- The quiz's questions already played at this venue (case ignored), the latest time each, in
-- the quiz's order.
select question_id, prompt, played_at from (
    select distinct on (x.id) x.id as question_id, x.prompt, qp.played_at,
           r.position as round_position, r.id as round_id, x.position
    from question x
    join round r on r.id = x.round_id
    join question_play qp on qp.question_id = x.id
    where r.quiz_id = %(quiz_id)s and lower(qp.venue) = lower(%(venue)s)
    order by x.id, qp.played_at desc
) repeats
order by round_position, round_id, position, question_id;

-- name: venues_of_host
-- The venues the host has played at, the latest first: the first is where they play next, most likely.
select venue from game
where host_id = %(host_id)s and venue is not null
group by venue
order by max(created_at) desc;
