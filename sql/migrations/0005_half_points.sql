-- Points go in halves: a "half" verdict on a 1-point question is worth ½, not a rounded-up 1.
-- Every column that holds points a team scored becomes numeric, kept to whole halves by the
-- database itself; the whole numbers already stored are halves too, so nothing is lost.
alter table answer
    alter column points type numeric using points::numeric,
    add constraint answer_points_halves check (points * 2 = trunc(points * 2));
alter table correction
    alter column points type numeric using points::numeric,
    add constraint correction_points_halves check (points * 2 = trunc(points * 2));
alter table paper_score
    alter column points type numeric using points::numeric,
    add constraint paper_score_points_halves check (points * 2 = trunc(points * 2));
