-- The statistics of the city's reports (GET /api/v1/stats, docs/api.md "Statistics"): counts
-- and delays per one or two groupings, over the reports created in a period, with the filters
-- of the city's views (dmr_report_filter). Aggregates are public: the public's statistics
-- leave out the agent-only categories, as every public view does.

-- A grouping: the key it groups reports by (SQL over report r, and its category c when
-- uses_category), then, over the key p_k of a group, the key shown (text), its label and the
-- order of the rows; no grouping (NULL) groups nothing. 400 invalid_parameter for a name that
-- is no grouping.
CREATE OR REPLACE FUNCTION dmr_stats_grouping(p_by text, p_k text,
    OUT key_sql text, OUT shown_sql text, OUT label_sql text, OUT order_sql text,
    OUT uses_category boolean)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    label_sql := 'NULL::text';
    order_sql := p_k;
    uses_category := false;
    IF p_by IS NULL THEN
        key_sql := 'NULL::integer';
        shown_sql := 'NULL::text';
        RETURN;
    END IF;
    CASE p_by
    WHEN 'arrondissement', 'category' THEN
        key_sql := 'r.' || CASE p_by WHEN 'category' THEN 'category_id' ELSE p_by END;
        shown_sql := p_k || '::text';
    WHEN 'top_category' THEN
        key_sql := 'c.parent_id';
        shown_sql := p_k || '::text';
        uses_category := true;
    WHEN 'quartier', 'service', 'sector' THEN
        key_sql := 'r.' || CASE p_by WHEN 'quartier' THEN 'quartier' ELSE p_by END || '_id';
        shown_sql := format('(SELECT t.code FROM %s t WHERE t.id = %s)',
                            CASE p_by WHEN 'quartier' THEN 'area' ELSE p_by END, p_k);
        label_sql := replace(shown_sql, 't.code', 't.name');
        order_sql := shown_sql;
    WHEN 'status' THEN
        key_sql := 'r.status';
        shown_sql := p_k;
        order_sql := format('(SELECT s.position FROM report_status s WHERE s.status = %s)', p_k);
    WHEN 'day', 'week', 'month' THEN
        key_sql := format('date_trunc(%L, r.created_at AT TIME ZONE ''Europe/Paris'')::date',
                          p_by);
        shown_sql := format('to_char(%s, %L)', p_k,
                            CASE p_by WHEN 'day' THEN 'YYYY-MM-DD'
                                      WHEN 'week' THEN 'IYYY-"W"IW' ELSE 'YYYY-MM' END);
    ELSE
        PERFORM dmr_filter_error('by', format('%s is not a grouping: arrondissement, quartier, '
            'service, sector, top_category, category, status, day, week or month', p_by));
    END CASE;
    IF p_by IN ('category', 'top_category') THEN
        label_sql := format('(SELECT t.label FROM category t WHERE t.id = %s)', p_k);
    END IF;
END
$$;

-- The period of the statistics, [p_from, p_to) as dmr_report_filter reads since and until:
-- by default the 12 months before p_to, and p_to now. The start as a text that the filter
-- reads; 400 invalid_parameter when it does not come before the end.
CREATE OR REPLACE FUNCTION dmr_stats_from(p_from text, p_to text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    until_at timestamptz := coalesce(dmr_filter_until(p_to), now());
BEGIN
    IF p_from IS NULL THEN
        RETURN to_char((until_at - interval '12 months') AT TIME ZONE 'UTC',
                       'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    END IF;
    IF dmr_w3c_parse(p_from) >= until_at THEN
        PERFORM dmr_filter_error('from', 'from must come before to');
    END IF;
    RETURN p_from;
END
$$;

-- The median and the 90th percentile of p_values (percentile_cont), NULLs when it is empty.
-- The statistics gather each group's delays with array_agg and sort them here, group by group:
-- percentile_cont as an aggregate would have PostgreSQL sort every report of the period by
-- group first (a year at a million reports: 1.5 times slower).
CREATE OR REPLACE FUNCTION dmr_stats_percentiles(p_values double precision[])
RETURNS double precision[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY v) FROM unnest(p_values) v
$$;

-- One row per group of one or two groupings (p_by: "service" or "arrondissement,month"), over
-- the reports that the filters keep and that were created in the period p_since to p_until
-- (from and to; see dmr_stats_from). Keys and labels are texts; a group without a key (reports
-- without sector or quartier) has NULL. open: still open; overdue: open and past the
-- deadline; resolved: resolved (archived since, or not); rejected: closed otherwise. Delays in
-- hours from creation, the median and the 90th percentile (percentile_cont,
-- dmr_stats_percentiles) over the reports that reached that step; the share of the resolved reports resolved by their
-- deadline.
CREATE OR REPLACE FUNCTION dmr_stats(p_token text, p_statuses text, p_service text,
    p_sector text, p_category integer, p_arrondissement integer, p_since text,
    p_until text, p_overdue boolean, p_priority integer, p_by text)
RETURNS TABLE (key1 text, label1 text, key2 text, label2 text, reports bigint,
               open bigint, overdue bigint, resolved bigint, rejected bigint,
               acknowledge_hours_median double precision,
               acknowledge_hours_p90 double precision,
               resolve_hours_median double precision, resolve_hours_p90 double precision,
               resolved_on_time_share double precision)
-- A year is hundreds of thousands of reports: sorted in memory, not on disk, for the
-- percentiles; compiling the query (JIT) would cost more than it saves.
LANGUAGE plpgsql STABLE SET work_mem = '64MB' SET jit = off AS $$
DECLARE
    bys text[] := string_to_array(p_by, ',');
    g1 record;
    g2 record;
    f record;
BEGIN
    IF coalesce(cardinality(bys), 0) NOT IN (1, 2) THEN
        PERFORM dmr_filter_error('by', 'by names one or two groupings, separated by a comma');
    END IF;
    IF bys[1] = bys[2] THEN
        PERFORM dmr_filter_error('by', 'the two groupings must differ');
    END IF;
    g1 := dmr_stats_grouping(bys[1], 'g.k1');
    g2 := dmr_stats_grouping(bys[2], 'g.k2');
    f := dmr_report_filter(p_token, p_statuses, p_service, p_sector, p_category,
                           p_arrondissement, dmr_stats_from(p_since, p_until), p_until,
                           p_overdue, p_priority);
    RETURN QUERY EXECUTE format($q$
        SELECT %s, %s, %s, %s, g.n, g.open, g.overdue, g.resolved, g.rejected,
               round(p.ack[1]::numeric / 3600, 2)::float8,
               round(p.ack[2]::numeric / 3600, 2)::float8,
               round(p.res[1]::numeric / 3600, 2)::float8,
               round(p.res[2]::numeric / 3600, 2)::float8,
               round(g.on_time, 4)::float8
        FROM (SELECT %s AS k1, %s AS k2, count(*) AS n,
                     count(*) FILTER (WHERE r.status = ANY ($9)) AS open,
                     count(*) FILTER (WHERE r.status = ANY ($9) AND r.expected_at < now())
                         AS overdue,
                     count(r.resolved_at) AS resolved,
                     count(*) FILTER (WHERE NOT r.status = ANY ($9) AND r.resolved_at IS NULL)
                         AS rejected,
                     array_agg(date_part('epoch', r.acknowledged_at - r.created_at))
                         FILTER (WHERE r.acknowledged_at IS NOT NULL) AS ack,
                     array_agg(date_part('epoch', r.resolved_at - r.created_at))
                         FILTER (WHERE r.resolved_at IS NOT NULL) AS res,
                     avg((r.resolved_at <= r.expected_at)::integer)
                         FILTER (WHERE r.resolved_at IS NOT NULL) AS on_time
              FROM report r %s
              WHERE true %s
              GROUP BY 1, 2) g
        CROSS JOIN LATERAL (SELECT dmr_stats_percentiles(g.ack) AS ack,
                                   dmr_stats_percentiles(g.res) AS res) p
        ORDER BY %s, %s$q$,
        g1.shown_sql, g1.label_sql, g2.shown_sql, g2.label_sql, g1.key_sql, g2.key_sql,
        CASE WHEN g1.uses_category OR g2.uses_category
             THEN 'JOIN category c ON c.id = r.category_id' ELSE '' END,
        f.clause, g1.order_sql, g2.order_sql)
    USING f.statuses, f.service_id, f.sector_id, f.categories, p_arrondissement, f.since_at,
          f.until_at, p_priority, f.open_statuses;
END
$$;
