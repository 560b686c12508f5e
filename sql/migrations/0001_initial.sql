-- Hosts, their quizzes (rounds of questions), and the games played from them.

create table host (
    id bigint generated always as identity primary key,
    email text not null,
    password_hash text not null,
    created_at timestamptz not null default now()
);
create unique index host_email_key on host (lower(email));

create table quiz (
    id bigint generated always as identity primary key,
    host_id bigint not null references host on delete cascade,
    title text not null,
    speed_bonus boolean not null default false,
    created_at timestamptz not null default now()
);
create index quiz_host on quiz (host_id);

create table round (
    id bigint generated always as identity primary key,
    quiz_id bigint not null references quiz on delete cascade,
    position int not null,
    title text not null
);
create index round_quiz on round (quiz_id, position);

create table question (
    id bigint generated always as identity primary key,
    round_id bigint not null references round on delete cascade,
    position int not null,
    kind text not null check (kind in ('choice', 'truefalse', 'text', 'numeric')),
    prompt text not null,
    options text[] not null default '{}',      -- choice and truefalse
    correct_option int,                        -- index into options
    accepted text[] not null default '{}',     -- text: every accepted spelling
    numeric_answer numeric,
    tolerance numeric not null default 0,
    time_limit int not null default 30 check (time_limit between 5 and 600),
    points int not null default 1 check (points between 0 and 100)
);
create index question_round on question (round_id, position);

create table game (
    id bigint generated always as identity primary key,
    quiz_id bigint not null references quiz on delete cascade,
    host_id bigint not null references host on delete cascade,
    code text not null unique,
    phase text not null default 'lobby'
        check (phase in ('lobby', 'intro', 'question', 'closed', 'reveal', 'leaderboard', 'ended')),
    round_index int not null default 0,
    question_index int not null default -1,
    question_id bigint references question on delete set null,
    opened_at timestamptz,
    deadline_at timestamptz,
    version int not null default 0,
    created_at timestamptz not null default now(),
    ended_at timestamptz
);
create index game_host on game (host_id);
-- The deadline sweep only ever looks at open questions.
create index game_open_deadline on game (deadline_at) where phase = 'question';

create table team (
    id bigint generated always as identity primary key,
    game_id bigint not null references game on delete cascade,
    name text not null,
    token text not null,
    joined_at timestamptz not null default now()
);
create unique index team_name_key on team (game_id, lower(name));

create table answer (
    id bigint generated always as identity primary key,
    game_id bigint not null references game on delete cascade,
    team_id bigint not null references team on delete cascade,
    question_id bigint not null references question on delete cascade,
    choice int,
    text text,
    number numeric,
    submitted_at timestamptz not null default now(),
    correct boolean,
    points int not null default 0,
    -- A team's second submission for a question is refused by the database itself.
    unique (team_id, question_id)
);
create index answer_question on answer (question_id);
create index answer_game on answer (game_id);
