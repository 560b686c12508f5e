-- The host may close a game to new teams (a flood of fake teams, or simply "we have started"):
-- members of the teams that joined, and new phones of those teams with their PIN, still get in.
alter table game add column lobby_closed boolean not null default false;
