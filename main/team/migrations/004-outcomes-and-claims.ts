/**
 * Outcomes only from the officer who wrote the intended entry, and none after a final one: four eyes read
 * "who validated" from the journal, so an outcome written by anyone, or a later "not done" after a "done",
 * let the validating officer approve. A "done" moves the case only to a status its action can produce.
 *
 * A live claim is its desk's: the same officer on a second desk neither takes nor renews it, and writes
 * no intended entry under it, so two desks of one officer never both decide a case.
 *
 * A decision whose outcome is not known yet (in flight, or its answer lost) keeps the case with its desk
 * until that desk settles it: no one else claims it, takes it next or writes an intended entry on it,
 * even after the claim itself has ended.
 */
export const sql = `
-- Outcomes after which nothing is left to settle, as the desks' own journals count them.
CREATE FUNCTION rao_team.final_phase(phase text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT phase IN ('done', 'refused', 'not_sent', 'settled_done', 'settled_not_done')
$$;

-- The statuses a request shows once the action took effect (later stages included: another desk may
-- have moved it on before the status was read).
CREATE FUNCTION rao_team.took_effect_statuses(action text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE action
    WHEN 'approve' THEN ARRAY['ENROLLREADY', 'ISSUED']
    WHEN 'validate' THEN ARRAY['CREATED', 'ENROLLREADY', 'ISSUED']
    ELSE ARRAY['CANCELLED']
  END
$$;

-- The officer validated this case and it took effect, or may have: no outcome saying it did not.
CREATE OR REPLACE FUNCTION rao_team.validated_by(p_case bigint, p_officer text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM rao_team.journal i
    WHERE i.case_id = p_case AND i.officer = p_officer AND i.action = 'validate' AND i.phase = 'intended'
      AND NOT EXISTS (SELECT 1 FROM rao_team.journal o
        WHERE o.intended_seq = i.seq AND o.phase IN ('refused', 'not_sent', 'settled_not_done')))
$$;

-- The officer and desk of each decision on a case still waiting for its final outcome. Counted for an
-- hour and five minutes from the intended entry: the longest settle window a desk allows (an hour, from
-- the lost answer) after the send the claim's extension covers; past it, a desk that never came back
-- holds the case no longer, and the Optimizer's status judges what was decided.
CREATE FUNCTION rao_team.unsettled_on(p_case bigint) RETURNS TABLE (officer text, desk text)
LANGUAGE sql STABLE AS $$
  SELECT i.officer, i.desk FROM rao_team.journal i
  WHERE i.case_id = p_case AND i.phase = 'intended' AND i.at > now() - interval '65 minutes'
    AND NOT EXISTS (SELECT 1 FROM rao_team.journal o WHERE o.intended_seq = i.seq AND rao_team.final_phase(o.phase))
$$;

CREATE FUNCTION rao_team.unsettled_elsewhere(p_case bigint, p_officer text, p_desk text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM rao_team.unsettled_on(p_case) u WHERE (u.officer, u.desk) IS DISTINCT FROM (p_officer, p_desk))
$$;

-- Since when the holder has held it: kept while the same desk renews a live claim. A live claim moves to
-- no other desk (RLS already keeps it from other officers): the change is skipped, as a policy's would be.
CREATE OR REPLACE FUNCTION rao_team.claims_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.until > now() AND (NEW.officer, NEW.desk) IS DISTINCT FROM (OLD.officer, OLD.desk) THEN
    RETURN NULL;
  END IF;
  IF NEW.until > now() AND rao_team.unsettled_elsewhere(OLD.case_id, NEW.officer, NEW.desk) THEN
    RETURN NULL;
  END IF;
  IF OLD.until <= now() THEN
    NEW.since := now();
  ELSE
    NEW.since := OLD.since;
  END IF;
  NEW.xid := pg_current_xact_id();
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION rao_team.journal_append() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = rao_team, pg_temp AS $$
DECLARE
  actor text := session_user;
  the_case rao_team.cases;
  held rao_team.claims;
  intended rao_team.journal;
  head rao_team.journal_head;
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
    IF rao_team.unsettled_elsewhere(NEW.case_id, actor, NEW.desk) THEN
      RAISE EXCEPTION 'a decision on case % awaits its outcome', the_case.videoid_pk USING ERRCODE = 'RD008';
    END IF;
    -- The officer's own live claim, checked and extended in this transaction so that it covers the
    -- send; its row stays locked until commit, so no one takes the case in between.
    UPDATE rao_team.claims SET until = greatest(until, clock_timestamp() + interval '2 minutes')
      WHERE case_id = NEW.case_id AND officer = actor AND desk = NEW.desk AND until > clock_timestamp()
      RETURNING * INTO held;
    IF NOT FOUND THEN
      RAISE EXCEPTION '% holds no live claim on case % at desk %', actor, the_case.videoid_pk, NEW.desk
        USING ERRCODE = 'RD001';
    END IF;
    IF NEW.action = 'approve' AND (SELECT four_eyes FROM rao_team.settings)
       AND rao_team.validated_by(NEW.case_id, actor) THEN
      RAISE EXCEPTION '% validated case %', actor, the_case.videoid_pk USING ERRCODE = 'RD002';
    END IF;
    NEW.claim_since := held.since;
    NEW.claim_until := held.until;
  ELSE
    -- The intended row locked, so that two outcomes of one entry are checked one after the other.
    SELECT * INTO intended FROM rao_team.journal WHERE seq = NEW.intended_seq FOR NO KEY UPDATE;
    IF NOT FOUND OR intended.phase <> 'intended' OR intended.case_id <> NEW.case_id
       OR intended.action <> NEW.action THEN
      RAISE EXCEPTION 'outcome of no matching intended entry' USING ERRCODE = 'RD004';
    END IF;
    IF intended.officer <> actor THEN
      RAISE EXCEPTION '% wrote no intended entry %', actor, intended.seq USING ERRCODE = 'RD006';
    END IF;
    -- A desk's entry written again (its answer lost) is the one already kept.
    IF NEW.local_seq IS NOT NULL AND EXISTS (SELECT 1 FROM rao_team.journal
         WHERE officer = actor AND desk = NEW.desk AND local_seq = NEW.local_seq) THEN
      RAISE EXCEPTION 'entry % of desk % is kept', NEW.local_seq, NEW.desk USING ERRCODE = 'unique_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM rao_team.journal WHERE intended_seq = intended.seq AND rao_team.final_phase(phase)) THEN
      RAISE EXCEPTION 'intended entry % has its final outcome', intended.seq USING ERRCODE = 'RD007';
    END IF;
    IF NEW.phase IN ('done', 'settled_done') THEN
      IF NEW.status_read IS NOT NULL AND NOT NEW.status_read = ANY (rao_team.took_effect_statuses(NEW.action)) THEN
        RAISE EXCEPTION '% cannot follow %', NEW.status_read, NEW.action USING ERRCODE = 'RD004';
      END IF;
      UPDATE rao_team.cases SET status = coalesce(NEW.status_read, (rao_team.took_effect_statuses(NEW.action))[1])
        WHERE id = NEW.case_id;
      UPDATE rao_team.claims SET until = now()
        WHERE case_id = NEW.case_id AND officer = actor AND desk = NEW.desk AND until > now();
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

-- Take next passes by a case another desk's decision still holds.
CREATE OR REPLACE FUNCTION rao_team.take_next(p_optimizer text, p_environment text, p_desk text, p_lease_seconds integer)
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
        AND NOT rao_team.unsettled_elsewhere(c.id, current_user, p_desk)
      ORDER BY c.status_since, c.id
      LIMIT 1
      FOR NO KEY UPDATE OF cl SKIP LOCKED
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
        AND NOT rao_team.unsettled_elsewhere(c.id, current_user, p_desk)
    ) THEN
      RETURN;
    END IF;
  END LOOP;
END $$;
`
