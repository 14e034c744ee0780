-- What the planner must know to plan the hot statements well. (The functions that return at
-- most a page say so where they are defined, with ROWS.)

-- Small tables that change too little for autovacuum to ever analyze them: without
-- statistics, the 8 statuses were taken for 320 and a queue's counts planned as costly.
-- (dmrctl analyzes the reference tables it loads.)
ANALYZE report_status, lifecycle_transition, reject_reason;
