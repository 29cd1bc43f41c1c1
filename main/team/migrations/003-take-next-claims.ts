/**
 * Take-next locks only the claim it takes. It locked the case's row too, so a desk sharing cases (an
 * upsert, which locks the rows it meets) made take-next skip them, and answer "none left" while cases
 * were free. A case decided meanwhile cannot be taken: the decision's claim stays live until the
 * decision's transaction has moved the case on, and each look reads the cases anew.
 */
export const sql = `
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
    ) THEN
      RETURN;
    END IF;
  END LOOP;
END $$;
`
