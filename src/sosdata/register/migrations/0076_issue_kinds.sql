-- A delivery's issues stored as their kinds and their lines. An issue's rule, severity,
-- component, file and column are shared by thousands of its rows (a warning can be on every
-- row); kept on each row, DuckDB wrote and compressed five strings per issue, most of a large
-- submission's storing and of the checkpoint after it. Now each delivery's distinct kinds are
-- stored once (delivery_issue_kinds) and each issue keeps its kind's number, its line and what
-- its message shows (delivery_issue_lines). The view delivery_issues joins them back: readers
-- see the columns they saw before. (Numbered after 0075, which added the issues' values.)
CREATE TABLE delivery_issue_kinds (
    delivery_id BIGINT NOT NULL,
    kind        INTEGER NOT NULL,
    rule        VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,
    component   VARCHAR,
    file        VARCHAR,
    "column"    VARCHAR
);
CREATE TABLE delivery_issue_lines (
    delivery_id BIGINT NOT NULL,
    kind        INTEGER NOT NULL,
    line        BIGINT,
    message     VARCHAR,
    value       VARCHAR,
    other       VARCHAR,
    params      VARCHAR
);
INSERT INTO delivery_issue_kinds
    SELECT delivery_id,
           (row_number() OVER (PARTITION BY delivery_id
                               ORDER BY rule, severity, component, file, "column") - 1)::INTEGER,
           rule, severity, component, file, "column"
    FROM (SELECT DISTINCT delivery_id, rule, severity, component, file, "column"
          FROM delivery_issues);
INSERT INTO delivery_issue_lines
    SELECT i.delivery_id, k.kind, i.line, i.message, i.value, i.other, i.params
    FROM delivery_issues i
    JOIN delivery_issue_kinds k
      ON i.delivery_id = k.delivery_id AND i.rule = k.rule AND i.severity = k.severity
     AND i.component IS NOT DISTINCT FROM k.component AND i.file IS NOT DISTINCT FROM k.file
     AND i."column" IS NOT DISTINCT FROM k."column";
DROP TABLE delivery_issues;
CREATE VIEW delivery_issues AS
    SELECT l.delivery_id, k.rule, k.severity, k.component, k.file, l.line, k."column",
           l.message, l.value, l.other, l.params
    FROM delivery_issue_lines l JOIN delivery_issue_kinds k USING (delivery_id, kind);
