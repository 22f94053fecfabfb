-- depends: 0001.portal-schema
-- The error log's row count without counting: count(*) reads every row on PostgreSQL (about
-- 80 ms at 1M rows), and the Error log page asks for the log's high-water mark before each
-- summary it reuses. Each insert or delete statement adds one row holding how many rows it
-- added (or removed); the sum is the count, exact for every transaction's snapshot, and
-- concurrent writers never wait for each other (they only insert). The high-water mark folds
-- the rows into one now and then (postgres_storage.py).

CREATE TABLE integration_errors_tally (
    delta bigint NOT NULL
);

INSERT INTO integration_errors_tally SELECT count(*) FROM integration_errors;

CREATE FUNCTION integration_errors_tally_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO integration_errors_tally SELECT count(*) FROM added HAVING count(*) > 0;
    RETURN NULL;
END;
$$;

CREATE FUNCTION integration_errors_tally_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO integration_errors_tally SELECT -count(*) FROM removed HAVING count(*) > 0;
    RETURN NULL;
END;
$$;

CREATE TRIGGER integration_errors_tally_insert
    AFTER INSERT ON integration_errors REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION integration_errors_tally_inserted();

CREATE TRIGGER integration_errors_tally_delete
    AFTER DELETE ON integration_errors REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION integration_errors_tally_deleted();
