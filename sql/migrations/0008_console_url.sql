-- Where the host's browser reached the console (scheme, host and port): join links, QR codes and
-- marker links are built on it when PUBQUIZ_PUBLIC_URL is not set, never on the Host header of
-- whichever request (a team's join, anyone's) caused a push.
alter table game add column console_url text;
