import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

// electron-builder's own loader and schema validator: what `electron-builder` itself runs before packaging.
const require = createRequire(import.meta.url)
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js')
const { DebugLogger } = require('builder-util')

describe('electron-builder.yml', () => {
  it('is valid against electron-builder’s configuration schema', async () => {
    const config = await getConfig(process.cwd(), null, null)
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  })

  it('names the app and builds for Linux, Windows and macOS', async () => {
    const config = await getConfig(process.cwd(), null, null)
    expect(config.appId).toBe('com.raodesk.app')
    expect(config.productName).toBe('RAO Desk')
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.win.target).toEqual(['nsis'])
    expect(config.mac.target).toEqual(['dmg'])
  })

  it('unpacks the keychain binding from the asar and ships no test code', async () => {
    const config = await getConfig(process.cwd(), null, null)
    expect(config.asar).toBe(true)
    expect(config.asarUnpack).toContain('node_modules/@github/keytar/**')
    expect(JSON.stringify(config.files)).toContain('!out/harness/**')
  })

  it('19. flips the Electron fuses an attacker could use', async () => {
    const { electronFuses } = await getConfig(process.cwd(), null, null)
    expect(electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    })
  })

  it('16. depends on a supported Electron major (the newest three get security fixes)', async () => {
    const { version } = require('electron/package.json') as { version: string }
    // 45 is the newest major at the time of writing; raise this floor with each Electron upgrade.
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(43)
  })
})
