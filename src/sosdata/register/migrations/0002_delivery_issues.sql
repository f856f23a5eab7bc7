-- The validation issues of each delivery, one row per issue (identity codes masked by the
-- validator). Kept apart from deliveries.report so that a large delivery's many warnings stay
-- columnar; the report JSON holds the counts.
CREATE TABLE delivery_issues (
    delivery_id BIGINT NOT NULL,
    rule        VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,
    component   VARCHAR,
    file        VARCHAR,
    line        BIGINT,
    "column"    VARCHAR,
    message     VARCHAR
);
