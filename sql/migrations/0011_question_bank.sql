-- The question bank: every question a host has written, searchable by its words (accents
-- ignored: "Zoe" finds "Zoë"), filterable by kind, category and difficulty; and "used before":
-- when and at which venue each question was last played.

alter table question
    add column category text,
    add column difficulty text check (difficulty in ('easy', 'medium', 'hard'));

-- Lower case without accents, for search. translate() and not the unaccent extension: creating
-- an extension needs rights a hosted database may not grant, and a generated column needs an
-- immutable function, which unaccent() is not. It covers the Latin letters pub quizzes use;
-- the few that are two letters without their accent (ß, æ, œ) are spelled out.
create function search_fold(value text) returns text language sql immutable parallel safe as $$
  select replace(replace(replace(translate(lower(value),
    'àáâãäåāăąçćčďđèéêëēėęěğìíîïīįıľłñńňòóôõöøōőŕřśşšșťțùúûüūůűųýÿžźżþð',
    'aaaaaaaaacccddeeeeeeeegiiiiiiillnnnoooooooorrssssttuuuuuuuuyyzzztd'),
    'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe')
$$;

-- Everything a host may remember a question by: its prompt, its options, its accepted answers
-- and its category. (array_to_string is only stable in general; for text[] it is immutable.)
create function question_search(prompt text, options text[], accepted text[], category text)
returns tsvector language sql immutable parallel safe as $$
  select to_tsvector('simple', search_fold(
    prompt || ' ' || array_to_string(options, ' ') || ' ' || array_to_string(accepted, ' ')
    || ' ' || coalesce(category, '')))
$$;

alter table question
    add column search tsvector generated always as (question_search(prompt, options, accepted, category)) stored;
create index question_search_index on question using gin (search);

-- Where a game was played ("The Crown"), so a regular's second quiz there has no repeats.
alter table game add column venue text check (length(venue) <= 120);

-- Every question a game opened, written by the database itself when a game opens a question:
-- no extra statement per click, and exact even when the quiz is edited after the night (the
-- game's position in today's outline would not be). A question opened twice (a reopen) keeps
-- its first time.
create table played_question (
    game_id bigint not null references game on delete cascade,
    question_id bigint not null references question on delete cascade,
    played_at timestamptz not null,
    primary key (game_id, question_id)
);
create index played_question_question on played_question (question_id);

create function record_played_question() returns trigger language plpgsql as $$
begin
  insert into played_question (game_id, question_id, played_at)
  values (new.id, new.question_id, new.opened_at)
  on conflict do nothing;
  return null;
end $$;
create trigger question_played after update of opened_at on game for each row
  when (new.phase = 'question' and new.question_id is not null
        and new.opened_at is distinct from old.opened_at)
  execute function record_played_question();

-- Games played before this migration: a question some team answered was played, as is the one
-- a game has open or just closed.
insert into played_question (game_id, question_id, played_at)
select game_id, question_id, min(submitted_at) from answer group by game_id, question_id
on conflict do nothing;
insert into played_question (game_id, question_id, played_at)
select id, question_id, coalesce(opened_at, created_at) from game where question_id is not null
on conflict do nothing;

-- Every time a question of a host's was played: itself, or another of the same host's questions
-- with the same prompt (a copy from the bank, the same question in last year's quiz), so a
-- regular is not asked it twice whichever quiz it sits in.
create view question_play as
select x.id as question_id, p.played_at, g.venue, g.id as game_id
from question x
join round r on r.id = x.round_id
join quiz q on q.id = r.quiz_id
join game g on g.host_id = q.host_id
join played_question p on p.game_id = g.id
join question y on y.id = p.question_id
where y.id = x.id or lower(y.prompt) = lower(x.prompt);
