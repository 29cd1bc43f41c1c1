/**
 * The team's shared schema, first version. Run by `migrate` as `rao_team_owner` (a role no one logs in
 * as), so officers own nothing: every rule below holds for them whatever SQL they send.
 *
 * Every row that desks follow carries `xid`, the transaction that last changed it: a desk catches up by
 * asking for rows changed since the oldest transaction still running at its last look, which misses no
 * commit whatever order transactions finish in.
 */
export const sql = `
CREATE SCHEMA rao_team;
REVOKE ALL ON SCHEMA rao_team FROM PUBLIC;
GRANT USAGE ON SCHEMA rao_team TO rao_team_officer, rao_team_admin;

CREATE TABLE rao_team.migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_by text NOT NULL DEFAULT session_user,
  applied_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON rao_team.migrations TO rao_team_officer, rao_team_admin;

-- Desks wake on this channel and then read what changed; the payload carries nothing.
CREATE FUNCTION rao_team.notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rao_team', '');
  RETURN NULL;
END $$;

CREATE FUNCTION rao_team.utc(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

------------------------------------------------------------------------------------------------------
-- Team settings: one row; every officer reads it, only the admin role changes it.
CREATE TABLE rao_team.settings (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  two_step boolean NOT NULL DEFAULT false,
  four_eyes boolean NOT NULL DEFAULT true,
  changed_by text NOT NULL DEFAULT session_user,
  changed_at timestamptz NOT NULL DEFAULT now(),
  xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
INSERT INTO rao_team.settings DEFAULT VALUES;
GRANT SELECT ON rao_team.settings TO rao_team_officer, rao_team_admin;
GRANT UPDATE (two_step, four_eyes) ON rao_team.settings TO rao_team_admin;

CREATE FUNCTION rao_team.settings_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.changed_by := session_user;
  NEW.changed_at := now();
  NEW.xid := pg_current_xact_id();
  RETURN NEW;
END $$;
CREATE TRIGGER stamp BEFORE UPDATE ON rao_team.settings FOR EACH ROW EXECUTE FUNCTION rao_team.settings_stamp();
CREATE TRIGGER notify AFTER UPDATE ON rao_team.settings FOR EACH STATEMENT EXECUTE FUNCTION rao_team.notify_change();

------------------------------------------------------------------------------------------------------
-- Cases: pks and status only, never the signer's data.

-- A request's stages in order: a status read late by one desk never takes a case back a stage.
CREATE FUNCTION rao_team.status_rank(status text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE status
    WHEN 'UNKNOWN' THEN 0
    WHEN 'VIDEOPENDING' THEN 1
    WHEN 'CREATED' THEN 3
    WHEN 'ENROLLREADY' THEN 4
    WHEN 'ISSUED' THEN 5
    WHEN 'CANCELLED' THEN 6
    ELSE 2 -- VIDEOREVIEW, VIDEOINCOMPLETE, VIDEOERROR and any the API adds
  END
$$;

CREATE TABLE rao_team.cases (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  optimizer text NOT NULL CHECK (length(optimizer) BETWEEN 1 AND 2000),
  environment text NOT NULL CHECK (environment IN ('sandbox', 'prod')),
  videoid_pk bigint NOT NULL CHECK (videoid_pk > 0),
  request_pk bigint NOT NULL CHECK (request_pk > 0),
  pair_verified boolean NOT NULL,
  status text NOT NULL CHECK (status ~ '^[A-Z_]{1,40}$'),
  status_since timestamptz NOT NULL DEFAULT now(),
  added_by text NOT NULL DEFAULT session_user,
  added_at timestamptz NOT NULL DEFAULT now(),
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  UNIQUE (optimizer, environment, videoid_pk)
);
CREATE INDEX cases_xid ON rao_team.cases (xid);
CREATE INDEX cases_pending ON rao_team.cases (optimizer, environment, status_since, id)
  WHERE status IN ('VIDEOREVIEW', 'CREATED');
GRANT SELECT, INSERT (optimizer, environment, videoid_pk, request_pk, pair_verified, status),
  UPDATE (request_pk, pair_verified, status) ON rao_team.cases TO rao_team_officer;
GRANT SELECT ON rao_team.cases TO rao_team_admin;

-- Who added a case and when come from the database; a status only moves forward; a pair, once
-- verified, stays; an update that changes nothing is skipped, so a sync that finds nothing new is silent.
CREATE FUNCTION rao_team.cases_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.added_by := session_user;
    NEW.added_at := now();
    NEW.status_since := now();
    NEW.xid := pg_current_xact_id();
    RETURN NEW;
  END IF;
  IF rao_team.status_rank(NEW.status) < rao_team.status_rank(OLD.status) THEN
    NEW.status := OLD.status;
  END IF;
  IF OLD.pair_verified OR NOT NEW.pair_verified THEN
    NEW.request_pk := OLD.request_pk;
    NEW.pair_verified := OLD.pair_verified;
  END IF;
  IF (NEW.status, NEW.request_pk, NEW.pair_verified) IS NOT DISTINCT FROM (OLD.status, OLD.request_pk, OLD.pair_verified) THEN
    RETURN NULL;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    NEW.status_since := now();
  END IF;
  NEW.xid := pg_current_xact_id();
  RETURN NEW;
END $$;
CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON rao_team.cases FOR EACH ROW EXECUTE FUNCTION rao_team.cases_stamp();
CREATE TRIGGER notify AFTER INSERT OR UPDATE ON rao_team.cases FOR EACH STATEMENT EXECUTE FUNCTION rao_team.notify_change();

------------------------------------------------------------------------------------------------------
-- Claims: one row per case, made with the case; a claim is live while until > now(), by the
-- database's clock. Releasing sets until to now(); rows are never deleted, so a desk catching up
-- sees a release as a change like any other.
CREATE TABLE rao_team.claims (
  case_id bigint PRIMARY KEY REFERENCES rao_team.cases (id),
  officer text,
  desk text CHECK (desk ~ '^[A-Za-z0-9._-]{1,64}$'),
  since timestamptz,
  until timestamptz NOT NULL DEFAULT '-infinity',
  xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX claims_xid ON rao_team.claims (xid);
ALTER TABLE rao_team.claims ENABLE ROW LEVEL SECURITY;
GRANT SELECT, UPDATE (officer, desk, until) ON rao_team.claims TO rao_team_officer;
GRANT SELECT ON rao_team.claims TO rao_team_admin;
CREATE POLICY read_all ON rao_team.claims FOR SELECT USING (true);
-- Only one's own claim, or one that has expired, can be changed; and only to one's own name, as the
-- login role itself, for at most 15 minutes ahead.
CREATE POLICY own_or_expired ON rao_team.claims FOR UPDATE
  USING (officer = current_user OR until <= now())
  WITH CHECK (officer = current_user AND officer = session_user AND until <= now() + interval '15 minutes');

CREATE FUNCTION rao_team.claims_for_case() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = rao_team, pg_temp AS $$
BEGIN
  INSERT INTO rao_team.claims (case_id) VALUES (NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER claim_row AFTER INSERT ON rao_team.cases FOR EACH ROW EXECUTE FUNCTION rao_team.claims_for_case();

-- Since when the holder has held it: kept while the same officer renews a live claim.
CREATE FUNCTION rao_team.claims_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.officer IS DISTINCT FROM OLD.officer OR OLD.until <= now() THEN
    NEW.since := now();
  ELSE
    NEW.since := OLD.since;
  END IF;
  NEW.xid := pg_current_xact_id();
  RETURN NEW;
END $$;
CREATE TRIGGER stamp BEFORE UPDATE ON rao_team.claims FOR EACH ROW EXECUTE FUNCTION rao_team.claims_stamp();
-- A new holder, or a claim ended, wakes the desks; a renewal (and the extension an intended entry makes)
-- does not: with hundreds of desks renewing every minute, it would wake everyone for nothing. Desks read
-- the later expiry with their next read.
CREATE TRIGGER notify AFTER UPDATE ON rao_team.claims FOR EACH ROW
  WHEN (OLD.officer IS DISTINCT FROM NEW.officer OR OLD.since IS DISTINCT FROM NEW.since OR NEW.until <= now())
  EXECUTE FUNCTION rao_team.notify_change();

------------------------------------------------------------------------------------------------------
-- The decision journal: every desk's entries, append-only, in one chain. Each row's hash covers the
-- row and the hash before it, computed here; the head row serialises appends until commit, so the
-- chain's order is the order of commits.
CREATE TABLE rao_team.journal (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  officer text NOT NULL,
  desk text NOT NULL CHECK (desk ~ '^[A-Za-z0-9._-]{1,64}$'),
  case_id bigint NOT NULL REFERENCES rao_team.cases (id),
  videoid_pk bigint NOT NULL,
  request_pk bigint NOT NULL,
  action text NOT NULL CHECK (action IN ('approve', 'validate', 'refuse', 'cancel')),
  phase text NOT NULL
    CHECK (phase IN ('intended', 'done', 'refused', 'not_sent', 'unknown', 'settled_done', 'settled_not_done')),
  intended_seq bigint REFERENCES rao_team.journal (seq),
  attempt bigint CHECK (attempt > 0),
  reason text CHECK (length(reason) <= 4000),
  reason_language text CHECK (reason_language IN ('es', 'en')),
  pair_confirmed boolean,
  resend_of bigint CHECK (resend_of > 0),
  error_code text CHECK (length(error_code) <= 64),
  status_read text CHECK (status_read ~ '^[A-Z_]{1,40}$'),
  claim_since timestamptz,
  claim_until timestamptz,
  local_seq bigint CHECK (local_seq > 0),
  local_mac text CHECK (local_mac ~ '^[A-Za-z0-9+/=_-]{1,128}$'),
  local_time timestamptz,
  prev_hash text NOT NULL,
  hash text NOT NULL UNIQUE,
  CHECK ((phase = 'intended') = (intended_seq IS NULL)),
  CHECK ((phase = 'intended') = (claim_until IS NOT NULL))
);
CREATE INDEX journal_case ON rao_team.journal (case_id, seq);
CREATE INDEX journal_intended ON rao_team.journal (intended_seq);
ALTER TABLE rao_team.journal ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT (desk, case_id, action, phase, intended_seq, attempt, reason, reason_language,
  pair_confirmed, resend_of, error_code, status_read, local_seq, local_mac, local_time) ON rao_team.journal
  TO rao_team_officer;
GRANT SELECT ON rao_team.journal TO rao_team_admin;
CREATE POLICY read_all ON rao_team.journal FOR SELECT USING (true);
CREATE POLICY as_oneself ON rao_team.journal FOR INSERT
  WITH CHECK (officer = current_user AND officer = session_user);

CREATE TABLE rao_team.journal_head (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO rao_team.journal_head VALUES (true, 0, repeat('0', 64));
GRANT SELECT ON rao_team.journal_head TO rao_team_officer, rao_team_admin;

CREATE FUNCTION rao_team.journal_hash(j rao_team.journal) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(json_build_array(
    j.prev_hash, j.seq, rao_team.utc(j.at), j.officer, j.desk, j.case_id, j.videoid_pk, j.request_pk,
    j.action, j.phase, j.intended_seq, j.attempt, j.reason, j.reason_language, j.pair_confirmed, j.resend_of,
    j.error_code, j.status_read,
    rao_team.utc(j.claim_since), rao_team.utc(j.claim_until), j.local_seq, j.local_mac, rao_team.utc(j.local_time)
  )::text, 'UTF8')), 'hex')
$$;

-- The officer validated this case and it took effect, or may have (no outcome yet, or unknown).
CREATE FUNCTION rao_team.validated_by(p_case bigint, p_officer text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM rao_team.journal i
    WHERE i.case_id = p_case AND i.officer = p_officer AND i.action = 'validate' AND i.phase = 'intended'
      AND coalesce((SELECT o.phase FROM rao_team.journal o WHERE o.intended_seq = i.seq ORDER BY o.seq DESC LIMIT 1),
                   'unknown') IN ('done', 'settled_done', 'unknown'))
$$;

CREATE FUNCTION rao_team.journal_append() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = rao_team, pg_temp AS $$
DECLARE
  actor text := session_user;
  the_case rao_team.cases;
  held rao_team.claims;
  intended rao_team.journal;
  head rao_team.journal_head;
  implied text;
BEGIN
  SELECT * INTO the_case FROM rao_team.cases WHERE id = NEW.case_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no case %', NEW.case_id USING ERRCODE = 'RD003';
  END IF;
  NEW.officer := actor;
  NEW.videoid_pk := the_case.videoid_pk;
  NEW.request_pk := the_case.request_pk;
  NEW.at := clock_timestamp();
  NEW.claim_since := NULL;
  NEW.claim_until := NULL;

  IF NEW.phase = 'intended' THEN
    -- The officer's own live claim, checked and extended in this transaction so that it covers the
    -- send; its row stays locked until commit, so no one takes the case in between.
    UPDATE rao_team.claims SET until = greatest(until, clock_timestamp() + interval '2 minutes')
      WHERE case_id = NEW.case_id AND officer = actor AND until > clock_timestamp()
      RETURNING * INTO held;
    IF NOT FOUND THEN
      RAISE EXCEPTION '% holds no live claim on case %', actor, the_case.videoid_pk USING ERRCODE = 'RD001';
    END IF;
    IF NEW.action = 'approve' AND (SELECT four_eyes FROM rao_team.settings)
       AND rao_team.validated_by(NEW.case_id, actor) THEN
      RAISE EXCEPTION '% validated case %', actor, the_case.videoid_pk USING ERRCODE = 'RD002';
    END IF;
    NEW.claim_since := held.since;
    NEW.claim_until := held.until;
  ELSE
    SELECT * INTO intended FROM rao_team.journal WHERE seq = NEW.intended_seq;
    IF NOT FOUND OR intended.phase <> 'intended' OR intended.case_id <> NEW.case_id
       OR intended.action <> NEW.action THEN
      RAISE EXCEPTION 'outcome of no matching intended entry' USING ERRCODE = 'RD004';
    END IF;
    IF NEW.phase IN ('done', 'settled_done') THEN
      implied := CASE NEW.action WHEN 'approve' THEN 'ENROLLREADY' WHEN 'validate' THEN 'CREATED' ELSE 'CANCELLED' END;
      UPDATE rao_team.cases SET status = coalesce(NEW.status_read, implied) WHERE id = NEW.case_id;
      UPDATE rao_team.claims SET until = now() WHERE case_id = NEW.case_id AND officer = actor AND until > now();
    END IF;
  END IF;

  -- Last, so that no lock is taken after it: the head row, held until commit.
  UPDATE rao_team.journal_head SET seq = seq + 1 RETURNING * INTO head;
  NEW.seq := head.seq;
  NEW.prev_hash := head.hash;
  NEW.hash := rao_team.journal_hash(NEW);
  UPDATE rao_team.journal_head SET hash = NEW.hash;
  RETURN NEW;
END $$;
CREATE TRIGGER append BEFORE INSERT ON rao_team.journal FOR EACH ROW EXECUTE FUNCTION rao_team.journal_append();

-- Not even the owner edits history: an update or delete is refused before any privilege would allow it.
CREATE FUNCTION rao_team.journal_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the decision journal is append-only' USING ERRCODE = 'RD005';
END $$;
CREATE TRIGGER frozen BEFORE UPDATE OR DELETE ON rao_team.journal FOR EACH ROW EXECUTE FUNCTION rao_team.journal_frozen();
CREATE TRIGGER frozen_truncate BEFORE TRUNCATE ON rao_team.journal FOR EACH STATEMENT EXECUTE FUNCTION rao_team.journal_frozen();

-- Every entry whose hash does not match itself or the entry before, and a head that does not match
-- the last entry (entries removed from the end): no rows means a whole chain.
CREATE VIEW rao_team.journal_check WITH (security_invoker = true) AS
  SELECT seq, CASE
      WHEN gap THEN 'an entry before it is missing'
      WHEN unlinked THEN 'an entry before it was changed'
      ELSE 'this entry was changed' END AS problem
  FROM (
    SELECT j.seq, j.hash <> rao_team.journal_hash(j) AS changed,
      j.seq <> coalesce(lag(j.seq) OVER w, 0) + 1 AS gap,
      j.prev_hash <> coalesce(lag(j.hash) OVER w, repeat('0', 64)) AS unlinked
    FROM rao_team.journal j WINDOW w AS (ORDER BY j.seq)
  ) x
  WHERE gap OR unlinked OR changed
  UNION ALL
  SELECT h.seq, 'the last entries were removed' FROM rao_team.journal_head h
  LEFT JOIN LATERAL (SELECT j.seq, j.hash FROM rao_team.journal j ORDER BY j.seq DESC LIMIT 1) l ON true
  WHERE h.seq <> coalesce(l.seq, 0) OR h.hash <> coalesce(l.hash, repeat('0', 64));
GRANT SELECT ON rao_team.journal_check TO rao_team_officer, rao_team_admin;


------------------------------------------------------------------------------------------------------
-- What desks read: a case with its live claim and who validated it.
CREATE VIEW rao_team.case_view WITH (security_invoker = true) AS
  SELECT c.id, c.optimizer, c.environment, c.videoid_pk, c.request_pk, c.pair_verified, c.status,
    c.status_since, c.added_by, c.added_at,
    CASE WHEN cl.until > now() THEN cl.officer END AS claimed_by,
    CASE WHEN cl.until > now() THEN cl.desk END AS claim_desk,
    CASE WHEN cl.until > now() THEN cl.since END AS claim_since,
    CASE WHEN cl.until > now() THEN floor(extract(epoch FROM cl.until - now()) * 1000)::bigint END AS claim_left_ms,
    (SELECT i.officer FROM rao_team.journal i
      WHERE i.case_id = c.id AND i.action = 'validate' AND i.phase = 'intended'
        AND EXISTS (SELECT 1 FROM rao_team.journal o WHERE o.intended_seq = i.seq AND o.phase IN ('done', 'settled_done'))
      ORDER BY i.seq DESC LIMIT 1) AS validated_by
  FROM rao_team.cases c JOIN rao_team.claims cl ON cl.case_id = c.id;
GRANT SELECT ON rao_team.case_view TO rao_team_officer, rao_team_admin;

------------------------------------------------------------------------------------------------------
-- Take next: the oldest unclaimed pending case, claimed in the same statement. Both rows are locked
-- with SKIP LOCKED, so officers pressing at once each get another case; a row changed meanwhile is
-- checked again as it now stands. LIMIT under row locks may come back empty while a case is free
-- (the one it read was taken), so it looks again while any is. It answers the case as now claimed.
CREATE FUNCTION rao_team.take_next(p_optimizer text, p_environment text, p_desk text, p_lease_seconds integer)
RETURNS SETOF rao_team.case_view LANGUAGE plpgsql AS $$
DECLARE
  s rao_team.settings;
  taken bigint;
BEGIN
  SELECT * INTO s FROM rao_team.settings;
  FOR round IN 1..10 LOOP
    WITH candidate AS (
      SELECT c.id FROM rao_team.cases c JOIN rao_team.claims cl ON cl.case_id = c.id
      WHERE c.optimizer = p_optimizer AND c.environment = p_environment
        AND (c.status = 'VIDEOREVIEW' OR (c.status = 'CREATED' AND s.two_step))
        AND cl.until <= now()
        AND NOT (c.status = 'CREATED' AND s.four_eyes AND rao_team.validated_by(c.id, current_user))
      ORDER BY c.status_since, c.id
      LIMIT 1
      FOR NO KEY UPDATE OF c, cl SKIP LOCKED
    )
    UPDATE rao_team.claims cl SET officer = current_user, desk = p_desk,
      until = now() + make_interval(secs => p_lease_seconds)
    FROM candidate WHERE cl.case_id = candidate.id
    RETURNING cl.case_id INTO taken;
    IF taken IS NOT NULL THEN
      RETURN QUERY SELECT * FROM rao_team.case_view WHERE id = taken;
      RETURN;
    END IF;
    IF NOT EXISTS (
      SELECT 1 FROM rao_team.cases c JOIN rao_team.claims cl ON cl.case_id = c.id
      WHERE c.optimizer = p_optimizer AND c.environment = p_environment
        AND (c.status = 'VIDEOREVIEW' OR (c.status = 'CREATED' AND s.two_step))
        AND cl.until <= now()
        AND NOT (c.status = 'CREATED' AND s.four_eyes AND rao_team.validated_by(c.id, current_user))
    ) THEN
      RETURN;
    END IF;
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION rao_team.take_next(text, text, text, integer) TO rao_team_officer;
`
