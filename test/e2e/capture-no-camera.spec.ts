import { pngOf } from '../support/images'
import { expect, test } from './fixtures'
import { setUpByKeyboard } from './keyboard'

// A desk with no camera or microphone at all (no fake devices here), the page allowed to use them.
test.use({ permissions: ['camera', 'microphone'] })

test('no camera: said so, and the pictures and the video can come from files instead', async ({ app }) => {
  await setUpByKeyboard(app)
  await app.getByRole('navigation').getByRole('button', { name: 'Add cases' }).click()
  await app.getByLabel('Signer’s mobile phone').fill('+34 600 111 222')
  await app.getByLabel('Signer’s email').fill('irene.quintanilla@example.org')
  // The registration authority and profile come from the Optimizer's settings: wait for them.
  await expect(app.getByLabel('Certificate profile')).toHaveValue('PFnubeQAFCiudadano')
  await app.getByRole('button', { name: 'Create Video ID' }).click()
  await app.getByRole('button', { name: 'Capture it at this desk' }).click()
  const steps = app.getByRole('navigation', { name: 'Steps of the capture' })

  await steps.getByRole('button', { name: /Video/ }).click()
  await app.getByRole('button', { name: 'Turn the camera and microphone on' }).click()
  await expect(app.getByRole('alert').filter({ hasText: 'No camera or microphone was found.' })).toBeVisible()
  await expect(app.getByRole('button', { name: /Start recording/ })).toBeDisabled()
  // A file that is not a video is said to be so; nothing is kept.
  await app.getByLabel('Choose a video file').setInputFiles({
    name: 'signer.mp4',
    mimeType: 'video/mp4',
    buffer: pngOf(300, 300),
  })
  await expect(app.getByText('This file is not an MP4 or WebM video.')).toBeVisible()
  await expect(steps.getByRole('button', { name: /Video/ })).toContainText('to do')
})
