import { spawn } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { DEFAULT_RAO } from '../../simulator/seed'

const root = path.resolve(import.meta.dirname, '../../..')

/** Starts a command line tool and answers the lines it printed before `until` appeared. */
async function linesOf(script: string, until: RegExp): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines: string[] = []
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      lines.push(line)
      if (until.test(line)) break
    }
  } finally {
    child.kill('SIGTERM')
  }
  return lines
}

// A newcomer must find the test officer's whole synthetic identity where they start the tools.
const credentialsLine = `Test RAO (synthetic): username ${DEFAULT_RAO.username}, password ${DEFAULT_RAO.password}, PIN ${DEFAULT_RAO.pin}, RAO id ${DEFAULT_RAO.rao}`

describe('the tools a newcomer starts with', () => {
  it('npm run simulator prints the test RAO’s credentials and the pairs to paste', async () => {
    const lines = await linesOf('test/simulator/cli.ts', /^16683,923066$/)
    expect(lines).toContain(credentialsLine)
    expect(lines).toContain('16673,923056')
  })

  it('npm run harness prints them too, and puts the simulator’s cases in the case book', async () => {
    const lines = await linesOf('test/harness/cli.ts', /^Open RAO Desk in a browser/)
    expect(lines).toContain(credentialsLine)
    expect(lines).toContain('Case book: 11 Video IDs of the simulator added.')
  })
})
