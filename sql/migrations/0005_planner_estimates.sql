-- What the planner must know to plan the hot statements well.
--
-- A set-returning function is estimated at 1000 rows unless told otherwise. With that
-- figure, the prepared statements that join a search's page to report_public never settle on
-- a cached plan (near: 6 ms of planning for 1 ms of work, at a million reports), and the
-- duplicate suggestions of every creation were joined by scanning the whole report table.
-- These functions return at most a page.
ALTER FUNCTION dmr_reports_near(double precision, double precision, double precision, integer,
                                text[], text, timestamptz, integer, double precision, bigint)
    ROWS 51;
ALTER FUNCTION dmr_reports_list(geometry, integer, text[], text, timestamptz, integer, bigint)
    ROWS 51;
ALTER FUNCTION dmr_suggestions(double precision, double precision, integer, bigint) ROWS 5;
ALTER FUNCTION dmr_queue(text, text, text, text[], boolean, integer, integer, timestamptz,
                         bigint) ROWS 51;

-- Small tables that change too little for autovacuum to ever analyze them: without
-- statistics, the 8 statuses were taken for 320 and a queue's counts planned as costly.
-- (dmrctl analyzes the reference tables it loads.)
ANALYZE report_status, lifecycle_transition, reject_reason;
