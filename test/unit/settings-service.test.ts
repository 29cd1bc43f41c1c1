import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Conf from 'conf'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../main/log'
import { openStore } from '../../main/settings/open-store'
import { createSettingsService } from '../../main/settings/settings-service'
import {
  addressWarnings,
  defaultSettings,
  isAcceptableOptimizerUrl,
  withApiPath,
} from '../../shared/settings'

function openTestStore(dir = mkdtempSync(path.join(tmpdir(), 'rao-settings-'))) {
  const store = new Conf<Record<string, unknown>>({
    projectName: 'rao-desk',
    cwd: dir,
    configName: 'settings',
  })
  const logLines: string[] = []
  return {
    dir,
    store,
    logLines,
    service: createSettingsService(
      store,
      createLogger((line) => logLines.push(line)),
    ),
  }
}

describe('settings service (electron-store’s conf on a temporary folder)', () => {
  it('starts from the public sandbox defaults', () => {
    expect(openTestStore().service.read()).toEqual(defaultSettings)
  })

  it('saves and reads back across instances, trimming a trailing slash', () => {
    const first = openTestStore()
    first.service.save({ optimizerUrl: 'https://optimizer.example.org/oneshot/api/v1/', environment: 'prod' })
    const second = openTestStore(first.dir)
    expect(second.service.read()).toEqual({
      optimizerUrl: 'https://optimizer.example.org/oneshot/api/v1',
      environment: 'prod',
      language: 'system',
      syncIntervalSeconds: 60,
      twoStepMode: false,
      videoRetentionDays: 7,
      fourEyes: false,
      openNextAfterDecision: true,
      prefetchNextVideo: true,
      settleWindowMinutes: 10,
      reasonLanguage: 'ui',
      idleLockMinutes: 5,
      privacyPolicyUrl: '',
      termsUrl: '',
    })
    expect(JSON.parse(readFileSync(path.join(first.dir, 'settings.json'), 'utf8')).settings.environment).toBe(
      'prod',
    )
  })

  it('takes the addresses of the documents a signer accepts over https only, with no credentials in them', () => {
    const { service } = openTestStore()
    for (const bad of [
      'http://ra.example/privacy',
      'https://user:pw@ra.example/privacy',
      'ra.example/privacy',
    ])
      expect(() => service.save({ privacyPolicyUrl: bad })).toThrow()
    expect(service.save({ privacyPolicyUrl: ' https://ra.example/privacy ', termsUrl: '' })).toMatchObject({
      privacyPolicyUrl: 'https://ra.example/privacy',
      termsUrl: '',
    })
  })

  it('keeps the good fields when one stored field is bad, and says so in the log', () => {
    const { dir } = openTestStore()
    writeFileSync(
      path.join(dir, 'settings.json'),
      JSON.stringify({ settings: { optimizerUrl: 'ftp://nope', environment: 'prod', language: 'klingon' } }),
    )
    const reopened = openTestStore(dir)
    expect(reopened.service.read()).toEqual({ ...defaultSettings, environment: 'prod' })
    expect(reopened.logLines.join('\n')).toContain('optimizerUrl')
  })

  it('1. only secure content: refuses an address without HTTPS (but on this machine), keeping the old one', () => {
    const { service } = openTestStore()
    expect(() => service.save({ optimizerUrl: 'http://optimizer.example.org' })).toThrow()
    expect(service.read().optimizerUrl).toBe(defaultSettings.optimizerUrl)
  })
})

describe('Optimizer address rule', () => {
  it.each([
    ['https://optimizer-developers.uanataca.com/oneshot/api/v1', true],
    ['http://127.0.0.1:8080/oneshot/api/v1', true],
    ['http://localhost/oneshot/api/v1', true],
    ['http://[::1]:9000/oneshot/api/v1', true],
    ['http://optimizer.intranet/oneshot/api/v1', false],
    ['https://user:pw@optimizer.example.org/', false],
    ['https://optimizer.example.org/?debug=1', false],
    ['ftp://optimizer.example.org/', false],
    ['javascript:alert(1)', false],
    ['optimizer.example.org', false],
  ])('%s → %s', (url, acceptable) => {
    expect(isAcceptableOptimizerUrl(url)).toBe(acceptable)
  })
})

describe('an unreadable settings file', () => {
  it('is kept aside, not lost, and the app starts from defaults', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rao-settings-'))
    const file = path.join(dir, 'settings.json')
    writeFileSync(file, '{"settings": {"optimizerUrl": "https://optimizer.example.org"')
    const lines: string[] = []
    const log = createLogger((line) => lines.push(line))
    const store = openStore(
      () => new Conf<Record<string, unknown>>({ projectName: 'rao-desk', cwd: dir, configName: 'settings' }),
      file,
      log,
    )
    expect(createSettingsService(store, log).read()).toEqual(defaultSettings)
    const aside = readdirSync(dir).find((name) => name.startsWith('settings.json.unreadable-'))
    expect(aside).toBeDefined()
    expect(readFileSync(path.join(dir, aside ?? ''), 'utf8')).toContain('optimizer.example.org')
    expect(lines.join('\n')).toContain('kept aside')
  })
})

describe('address warnings before saving', () => {
  it.each([
    ['https://optimizer.example.org/oneshot/api/v1', 'prod', []],
    ['https://optimizer.example.org/oneshot/api/v1/', 'sandbox', []],
    ['https://optimizer.example.org', 'prod', ['no_api_path']],
    ['https://optimizer.example.org/oneshot', 'sandbox', ['no_api_path']],
    ['https://optimizer-developers.uanataca.com/oneshot/api/v1', 'prod', ['sandbox_for_prod']],
    ['https://optimizer-developers.uanataca.com', 'prod', ['no_api_path', 'sandbox_for_prod']],
    ['https://optimizer-developers.uanataca.com/oneshot/api/v1', 'sandbox', []],
    ['not a url', 'prod', []],
  ] as const)('%s in %s warns of %j', (url, environment, expected) => {
    expect(addressWarnings(url, environment)).toEqual(expected)
  })

  it('adds the API path after the path the address has', () => {
    expect(withApiPath('https://optimizer.example.org/')).toBe('https://optimizer.example.org/oneshot/api/v1')
    expect(withApiPath(' https://host.example/proxy ')).toBe('https://host.example/proxy/oneshot/api/v1')
  })
})
