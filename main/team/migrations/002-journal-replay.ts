/**
 * A desk's journal entry written twice is one entry: the same officer, desk and local journal number
 * can appear once. A desk that lost the answer to a write (the database went away between the commit
 * and the reply) writes it again when the database is back, and the database keeps the first. The
 * officer is part of the key, so another officer who writes a row naming this desk blocks nothing.
 */
export const sql = `
CREATE UNIQUE INDEX journal_local ON rao_team.journal (officer, desk, local_seq) WHERE local_seq IS NOT NULL;
`
