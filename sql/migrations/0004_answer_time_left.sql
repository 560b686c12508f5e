-- The time a team took is what the clock showed when it answered, not the wall time since the
-- question opened: a pause stops the clock (resuming moves the deadline), so the seconds left on
-- the moved deadline at submission are what count for the speed bonus. Older answers have none
-- and are timed from the opening, as before.
alter table answer add column seconds_left double precision;
