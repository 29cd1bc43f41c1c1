import type { NetworkInterfaceInfo } from 'node:os'
import { describe, expect, it } from 'vitest'
import { deskAddress } from '../../../main/capture/desk-address'
import { imageInfo } from '../../../main/capture/image-info'
import { jpegOf, pngOf } from '../../support/images'

describe('an image’s type and size, from a walk of its structure', () => {
  it('reads a PNG, a JPEG, and a JPEG whose size comes after other segments (EXIF)', () => {
    expect(imageInfo(pngOf(300, 200))).toEqual({ type: 'image/png', width: 300, height: 200 })
    const jpeg = jpegOf(640, 400)
    expect(imageInfo(jpeg)).toEqual({ type: 'image/jpeg', width: 640, height: 400 })
    const exif = Buffer.from([0xff, 0xe1, 0x00, 0x0a, ...Buffer.from('Exif\0\0'), 0x00, 0x00])
    const withExif = Buffer.concat([jpeg.subarray(0, 2), exif, jpeg.subarray(2)])
    expect(imageInfo(withExif)).toEqual({ type: 'image/jpeg', width: 640, height: 400 })
  })

  it('is not fooled by a picture’s magic bytes alone, or by something else', () => {
    expect(imageInfo(Buffer.from('%PDF-1.7'))).toBeUndefined()
    expect(imageInfo(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]))).toBeUndefined()
    expect(imageInfo(pngOf(300, 200).subarray(0, 16))).toBeUndefined()
    expect(imageInfo(Buffer.alloc(0))).toBeUndefined()
  })

  it('refuses a picture whose header is whole but whose body is cut short or altered', () => {
    const png = pngOf(300, 200)
    // Cut before its end; a byte of its image data changed (the chunk's CRC no longer matches).
    expect(imageInfo(png.subarray(0, png.length - 12))).toBeUndefined()
    expect(imageInfo(png.subarray(0, 60))).toBeUndefined()
    const altered = Buffer.from(png)
    altered[50] = (altered[50] ?? 0) ^ 0xff
    expect(imageInfo(altered)).toBeUndefined()
    // A JPEG cut in its scan: no end-of-image marker.
    const jpeg = jpegOf(640, 400)
    expect(imageInfo(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).toBeUndefined()
    expect(imageInfo(jpeg.subarray(0, jpeg.length - 1))).toBeUndefined()
  })
})

describe('the desk’s address for the acceptance record', () => {
  const at = (address: string, family: 'IPv4' | 'IPv6', internal: boolean) =>
    ({
      address,
      family,
      internal,
      netmask: '',
      mac: '',
      cidr: null,
      ...(family === 'IPv6' ? { scopeid: 0 } : {}),
    }) as NetworkInterfaceInfo
  it('is its first external IPv4 address, else IPv6, else loopback', () => {
    expect(
      deskAddress({
        lo: [at('127.0.0.1', 'IPv4', true)],
        eth0: [at('fe80::1', 'IPv6', false), at('10.1.2.3', 'IPv4', false)],
      }),
    ).toBe('10.1.2.3')
    expect(deskAddress({ eth0: [at('2001:db8::5', 'IPv6', false)] })).toBe('2001:db8::5')
    expect(deskAddress({ lo: [at('127.0.0.1', 'IPv4', true)] })).toBe('127.0.0.1')
  })
})
