-- Answers partitioned by month, so that years of old nights neither slow tonight's game nor
-- need a long DELETE to forget: `pubquiz prune --before DATE` drops whole months.
--
-- The partition key is the game's created_at, copied onto each of its answers when the answer
-- is inserted (game_created_at). All the answers of one game therefore lie in one partition (a
-- night that crosses the end of a month stays in the month its game was created), and a game
-- never moves: game.created_at is written once. Every game-path statement on answers is given
-- its game's created_at as a parameter (the app has the game's row, or its cached state) and
-- says `game_created_at = <that>`: PostgreSQL then prunes while planning, so the plan, and the
-- planning, hold one partition however many months are kept. (A lookup inside the statement, a
-- STABLE function of the game id, would prune only when the statement starts: every execution
-- would still plan for, and lock, every partition.)
--
-- A partitioned table's unique keys must hold the partition key. (team_id, question_id,
-- game_created_at) is exactly as strict as the old (team_id, question_id): a team belongs to one
-- game, which has one created_at. insert_answer's ON CONFLICT names the three columns. The
-- primary key is (id, game_created_at) for the same reason; ids still come from one sequence.
--
-- Months are UTC months. Partitions are created ahead by the app (create_answer_partition
-- below, called at startup, daily by the deadline sweep, by `pubquiz migrate` and by
-- `pubquiz partitions`). A game created in a month that has no partition yet (the server was off
-- for months) still gets its answers stored: they go to answer_default, and creating that
-- month's partition later moves them into it.

alter table answer rename to answer_unpartitioned;
alter table answer_unpartitioned
    drop constraint answer_pkey,
    drop constraint answer_team_id_question_id_key;
drop index answer_question, answer_game;
alter sequence answer_id_seq rename to answer_unpartitioned_id_seq;

create table answer (
    id bigint generated always as identity,
    game_id bigint not null constraint answer_game_id_fkey references game on delete cascade,
    team_id bigint not null constraint answer_team_id_fkey references team on delete cascade,
    question_id bigint not null constraint answer_question_id_fkey references question on delete cascade,
    choice int,
    text text,
    number numeric,
    submitted_at timestamptz not null default now(),
    correct boolean,
    points numeric not null default 0 constraint answer_points_halves check (points * 2 = trunc(points * 2)),
    locked boolean not null default false,
    member_id bigint constraint answer_member_id_fkey references member on delete set null,
    updated_at timestamptz,
    seconds_left double precision,
    game_created_at timestamptz not null,
    primary key (id, game_created_at),
    -- A team's second submission for a question is refused by the database itself.
    unique (team_id, question_id, game_created_at)
) partition by range (game_created_at);
create table answer_default partition of answer default;

-- The partition of one UTC month (any day of it will do), named answer_YYYY_MM; its name, or
-- null when it was there already. Answers that went to the default partition for want of it move
-- in: PostgreSQL refuses a partition whose range the default partition still holds rows of.
create function create_answer_partition(day date) returns text language plpgsql as $$
declare
    month date := date_trunc('month', day::timestamp)::date;
    name text := 'answer_' || to_char(month, 'YYYY_MM');
    low timestamptz := month::timestamp at time zone 'UTC';
    high timestamptz := (month + interval '1 month') at time zone 'UTC';
begin
    if to_regclass(name) is not null then
        return null;
    end if;
    create temporary table moved_answer on commit drop as
        with moved as (delete from answer_default
                       where game_created_at >= low and game_created_at < high returning *)
        select * from moved;
    execute format('create table %I partition of answer for values from (%L) to (%L)', name, low, high);
    insert into answer overriding system value select * from moved_answer;
    drop table moved_answer;
    return name;
end $$;

-- The months of the games that have answers, up to three months ahead (the app keeps its own
-- PUBQUIZ_ANSWER_MONTHS_AHEAD from then on).
select create_answer_partition(month::date)
from generate_series(
    date_trunc('month', coalesce((select min(g.created_at) from game g
                                  where exists (select 1 from answer_unpartitioned a where a.game_id = g.id)),
                                 now()) at time zone 'UTC'),
    date_trunc('month', now() at time zone 'UTC') + interval '3 months',
    interval '1 month') as month;

insert into answer (id, game_id, team_id, question_id, choice, text, number, submitted_at, correct,
                    points, locked, member_id, updated_at, seconds_left, game_created_at)
overriding system value
select a.id, a.game_id, a.team_id, a.question_id, a.choice, a.text, a.number, a.submitted_at,
       a.correct, a.points, a.locked, a.member_id, a.updated_at, a.seconds_left, g.created_at
from answer_unpartitioned a
join game g on g.id = a.game_id;
select setval(pg_get_serial_sequence('answer', 'id'), coalesce(max(id), 0) + 1, false) from answer;
drop table answer_unpartitioned;

-- For the cascade when a question is deleted.
create index answer_question on answer (question_id);
-- A game's answers, and its answers to one question.
create index answer_game on answer (game_id, question_id);
-- Deleting a game deletes its members, and each sets its answers' member_id to null: without
-- this, `pubquiz prune` would read every answer kept once per member of every game it forgets.
create index answer_member on answer (member_id);

-- `pubquiz prune`: drop one month's partition; how many answers it held.
create function drop_answer_partition(name text) returns bigint language plpgsql as $$
declare
    answers bigint;
begin
    execute format('select count(*) from %I', name) into answers;
    execute format('drop table %I', name);
    return answers;
end $$;
