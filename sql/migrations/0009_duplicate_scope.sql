-- The original of a duplicate is a report the service can see, of the same kind, open or
-- recently closed, and within reach (docs/security.md).

-- When the report left the open statuses (resolved or rejected); NULL while open, cleared by
-- a reopening, kept by archiving.
ALTER TABLE report ADD COLUMN closed_at timestamptz;
UPDATE report r SET closed_at = (SELECT max(e.at) FROM report_event e WHERE e.report_id = r.id)
WHERE r.status IN ('resolved', 'rejected', 'archived');
