import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { type Case, isFinalStatus } from '../../../shared/cases'
import { isOwnClaim } from '../../../shared/team'
import { ErrorMessage } from '../components/ErrorMessage'
import { isTyping } from '../components/typing'
import { useNavigation, useSettings, useTeam } from '../stores/context'

/** Team mode is on at this desk. */
export const useTeamOn = () => useTeam((state) => state.status?.enabled === true)

/** Two-step mode as it applies here: the team's in team mode, this desk's own otherwise. */
export function useTwoStepMode(): boolean {
  const own = useSettings((state) => state.settings?.twoStepMode ?? false)
  const team = useTeam((state) => (state.status?.enabled ? state.status.settings?.twoStepMode : undefined))
  return team ?? own
}

/** While a case is open in team mode, main holds its claim; leaving the case lets it go. */
export function useTeamClaim(videoidPk: number): void {
  const on = useTeamOn()
  const open = useTeam((state) => state.open)
  const leave = useTeam((state) => state.leave)
  useEffect(() => {
    if (!on) return
    void open(videoidPk)
    return () => void leave(videoidPk)
  }, [on, open, leave, videoidPk])
}

/** Why this desk may not decide a case in team mode now; null when it may (or team mode is off). */
export type TeamHold =
  | { kind: 'offline' }
  | { kind: 'claimed'; officer: string; since: string; atAnotherDesk: boolean }
  | { kind: 'validated' }
  | { kind: 'claiming' }

export function useTeamHold(item: Case): TeamHold | null {
  const status = useTeam((state) => state.status)
  const team = useTeam((state) => state.cases.get(item.videoidPk))
  if (!status?.enabled) return null
  if (item.gone || isFinalStatus(item.status)) return null
  if (!status.link?.online) return { kind: 'offline' }
  const claim = team?.claim
  const own = isOwnClaim(claim, { officer: status.user, desk: status.desk })
  if (claim && !own)
    return {
      kind: 'claimed',
      officer: claim.officer,
      since: claim.since,
      atAnotherDesk: claim.officer === status.user,
    }
  // Even under this officer's own claim (taken before the team said so): another officer approves it.
  if (status.settings?.fourEyes && item.status === 'CREATED' && team?.validatedBy === status.user)
    return { kind: 'validated' }
  if (claim) return null
  return { kind: 'claiming' }
}

/** Says why the decision buttons are off: another officer reviews the case, or the database is away. */
export function TeamHoldNotice({ hold }: { hold: TeamHold }) {
  const { t, i18n } = useTranslation()
  if (hold.kind === 'claiming')
    return (
      <p className="muted" role="status">
        {t('team.holdClaiming')}
      </p>
    )
  const text =
    hold.kind === 'claimed'
      ? t(hold.atAnotherDesk ? 'team.holdClaimedElsewhere' : 'team.holdClaimed', {
          officer: hold.officer,
          time: new Date(hold.since).toLocaleTimeString(i18n.language),
        })
      : hold.kind === 'offline'
        ? t('team.holdOffline')
        : t('team.holdValidated')
  return (
    <div className={`notice ${hold.kind === 'offline' ? 'notice-error' : 'notice-warning'}`} role="status">
      <p>{text}</p>
    </div>
  )
}

/** Who reviews a case now, in the queue's row. */
export function TeamClaimBadge({ videoidPk }: { videoidPk: number }) {
  const { t } = useTranslation()
  const claim = useTeam((state) => (state.status?.enabled ? state.cases.get(videoidPk)?.claim : undefined))
  const user = useTeam((state) => state.status?.user)
  const desk = useTeam((state) => state.status?.desk ?? '')
  if (!claim) return null
  // Yours only at this desk: the same officer's claim at another desk is decided there, not here.
  const own = isOwnClaim(claim, { officer: user, desk })
  const text = own
    ? t('team.claimedByYou')
    : claim.officer === user
      ? t('team.claimedByYouElsewhere')
      : t('team.claimedBy', { officer: claim.officer })
  return <span className={`badge ${own ? 'claimed-mine' : 'claimed'}`}>{text}</span>
}

/** Takes the oldest free pending case for this officer and opens it; the queue says when none is left. */
export function useTakeNext(): () => Promise<void> {
  const takeNext = useTeam((state) => state.takeNext)
  const go = useNavigation((state) => state.go)
  return async () => {
    const videoidPk = await takeNext()
    go(videoidPk === null ? { name: 'queue' } : { name: 'case', videoidPk })
  }
}

/** The queue's take-next: a button, and T from anywhere in the queue but a field. */
export function TakeNextButton() {
  const { t } = useTranslation()
  const on = useTeamOn()
  const taking = useTeam((state) => state.taking)
  const online = useTeam((state) => state.status?.link?.online === true)
  const take = useTakeNext()
  const latest = useRef(take)
  latest.current = take
  useEffect(() => {
    if (!on) return
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return
      if (event.key.toLowerCase() !== 't' || document.querySelector('dialog[open]')) return
      event.preventDefault()
      void latest.current()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [on])
  if (!on) return null
  return (
    <div className="take-next">
      <button
        type="button"
        className="primary"
        aria-keyshortcuts="T"
        disabled={!online || taking.status === 'busy'}
        onClick={() => void take()}
      >
        {t('team.takeNext')} <kbd>T</kbd>
      </button>
      <p role="status" className="muted">
        {taking.status === 'busy'
          ? t('team.taking')
          : taking.status === 'done' && taking.value === null
            ? t('team.noneLeft')
            : ''}
      </p>
      {taking.status === 'failed' && <ErrorMessage error={taking.error} title={t('team.takeFailed')} />}
    </div>
  )
}

/** Across the top while the team database is away: deciding waits, the rest goes on. */
export function TeamBanner() {
  const { t } = useTranslation()
  const link = useTeam((state) => (state.status?.enabled ? state.status.link : null))
  if (!link || link.online || !link.problem) return null
  return (
    <p className="notice notice-offline banner" role="alert">
      {t('team.banner')}
    </p>
  )
}
