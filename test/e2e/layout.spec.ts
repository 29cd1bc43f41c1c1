import type { Locator, Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { setUpByKeyboard } from './keyboard'

// The case page at an officer's desk: at 1920×1080 the signer's data, the video, the checklist and the
// decision buttons all in view without scrolling; at 1280×800 the buttons stay in view (the side
// scrolls under them); below 1280 px one column with nothing cut off. In English and in Spanish, whose words run longer. A screenshot of
// each is kept with the test's results.
const LUCIA = '16673,923056' // in review, no check given: the page also warns that the pair is not verified

const words = {
  en: {
    queue: 'Queue',
    all: /^All/,
    signer: 'Signer',
    checklist: 'Review checklist',
    first: 'The face matches the document’s photo',
    last: 'Names, document number and country match the request',
    approve: 'Approve',
    refuse: 'Refuse…',
    next: 'Next pending case',
  },
  es: {
    queue: 'Cola',
    all: /^Todos/,
    signer: 'Firmante',
    checklist: 'Lista de comprobación',
    first: 'La cara coincide con la foto del documento',
    last: 'Nombre, número de documento y país coinciden con la solicitud',
    approve: 'Aprobar',
    refuse: 'Rechazar…',
    next: 'Siguiente caso pendiente',
  },
} as const

/** Wholly inside the window, and not hidden by a column that would have to scroll to show it. */
const fullyInView = (locator: Locator) => expect(locator).toBeInViewport({ ratio: 1 })

/** Whether the page or a column of the case would scroll: there is more than it shows. */
const scrolls = (page: Page) =>
  page.evaluate(() =>
    [document.scrollingElement, ...document.querySelectorAll('.case-side')].some(
      (element) => element !== null && element.scrollHeight > element.clientHeight + 1,
    ),
  )

for (const language of ['en', 'es'] as const) {
  test(`one screen for one decision, in ${language === 'en' ? 'English' : 'Spanish'}`, async ({
    app,
    harness,
  }, testInfo) => {
    const text = words[language]
    await app.setViewportSize({ width: 1920, height: 1080 })
    await setUpByKeyboard(app)
    await harness.cases.addPairs(LUCIA)
    if (language === 'es') {
      await app.getByRole('navigation').getByRole('button', { name: 'Settings' }).click()
      await app.getByLabel('Language', { exact: true }).selectOption('es')
      await app.getByRole('button', { name: 'Save', exact: true }).click()
    }
    await app.getByRole('navigation').getByRole('button', { name: text.queue }).click()
    await app.getByRole('button', { name: text.all }).click()
    await app.getByRole('option').filter({ hasText: 'Lucía García Moreno' }).click()
    await expect(app.getByRole('heading', { level: 1, name: 'Lucía García Moreno' })).toBeFocused()
    const video = app.locator('video')
    const signer = app.getByRole('region', { name: text.signer })
    const checklist = app.getByRole('group', { name: text.checklist })
    const approve = app.getByRole('button', { name: text.approve, exact: true })
    await expect(video).toBeAttached()
    await app.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 2)

    // 1920×1080: everything for the decision at once, and nothing to scroll.
    await app.screenshot({ path: testInfo.outputPath(`case-1920x1080-${language}.png`) })
    for (const part of [
      video,
      signer,
      app.getByText('IDC ES 48213957T'),
      app.getByLabel(text.first),
      app.getByLabel(text.last),
      approve,
      app.getByRole('button', { name: text.refuse }),
      app.getByRole('button', { name: text.next }),
    ])
      await fullyInView(part)
    await expect(checklist).toBeInViewport({ ratio: 1 })
    expect(await scrolls(app)).toBe(false)

    // 1280×800: the video beside the data; the buttons stay in view wherever the checklist is scrolled.
    await app.setViewportSize({ width: 1280, height: 800 })
    await app.screenshot({ path: testInfo.outputPath(`case-1280x800-${language}.png`) })
    await fullyInView(video)
    await fullyInView(approve)
    await expect(signer).toBeInViewport()
    const box = { video: await video.boundingBox(), signer: await signer.boundingBox() }
    expect(box.signer?.x ?? 0).toBeGreaterThan((box.video?.x ?? 0) + (box.video?.width ?? 0))
    await app.getByLabel(text.last).scrollIntoViewIfNeeded()
    await fullyInView(app.getByLabel(text.last))
    await fullyInView(approve)

    // Below 1280: one column, nothing cut off at the side.
    await app.setViewportSize({ width: 1024, height: 800 })
    await app.screenshot({ path: testInfo.outputPath(`case-1024x800-${language}.png`), fullPage: true })
    const narrow = { video: await video.boundingBox(), signer: await signer.boundingBox() }
    expect(narrow.signer?.y ?? 0).toBeGreaterThan((narrow.video?.y ?? 0) + (narrow.video?.height ?? 0))
    expect(
      await app.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    ).toBe(true)
    await approve.scrollIntoViewIfNeeded()
    await fullyInView(approve)
  })
}
