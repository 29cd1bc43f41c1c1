import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createRendererHandler, resolveInside } from '../../main/app-protocol'
import { CONTENT_SECURITY_POLICY } from '../../main/csp'

describe('18. app:// protocol instead of file://', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'rao-protocol-'))
  const root = path.join(base, 'renderer')
  let handle: (request: Request) => Promise<Response>

  beforeAll(() => {
    mkdirSync(path.join(root, 'assets'), { recursive: true })
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>RAO Desk</title>')
    writeFileSync(path.join(root, 'assets', 'app.js'), 'export {}')
    writeFileSync(path.join(base, 'secret.txt'), 'outside the renderer')
    handle = createRendererHandler(root)
  })

  it('serves the renderer with its CSP and the right type', async () => {
    const response = await handle(new Request('app://rao-desk/'))
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('RAO Desk')
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const script = await handle(new Request('app://rao-desk/assets/app.js'))
    expect(script.headers.get('content-type')).toContain('text/javascript')
  })

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2F..%2Fsecret.txt',
    '/assets/..%5C..%5Csecret.txt',
    '/..%2fsecret.txt',
    '/%2E%2E%2Fsecret.txt',
  ])('refuses the traversal %s', async (pathname) => {
    expect(resolveInside(root, pathname)).toBeNull()
    const response = await handle(new Request(`app://rao-desk${pathname}`))
    expect([403, 404]).toContain(response.status)
    expect(await response.text()).not.toContain('outside the renderer')
  })

  it('refuses malformed escapes and NUL bytes', () => {
    expect(resolveInside(root, '/%E0%A4%A')).toBeNull()
    expect(resolveInside(root, '/index.html%00.png')).toBeNull()
  })

  it('answers 404 for other hosts and missing files, 405 for writes', async () => {
    expect((await handle(new Request('app://other-host/index.html'))).status).toBe(404)
    expect((await handle(new Request('app://rao-desk/missing.js'))).status).toBe(404)
    expect(
      (await handle(new Request('app://rao-desk/index.html', { method: 'POST', body: 'x' }))).status,
    ).toBe(405)
  })
})
