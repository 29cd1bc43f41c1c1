/**
 * A share that changes no case wakes no desk. Each desk shares back the status it reads, so a decision
 * seen by twenty desks made twenty writes that change nothing (the stamp trigger skips them), and the
 * statement-level notification woke every desk for each. Notified per changed row instead: PostgreSQL
 * sends one notification per transaction however many rows changed, and none when none did.
 */
export const sql = `
DROP TRIGGER notify ON rao_team.cases;
CREATE TRIGGER notify AFTER INSERT OR UPDATE ON rao_team.cases FOR EACH ROW EXECUTE FUNCTION rao_team.notify_change();
`
