import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** Synthetic people and cases: realistic in shape, belonging to no one. */
export interface Person {
  given_name: string
  surname_1: string
  surname_2: string
  serial_number: string
  id_document_type: 'IDC' | 'PAS'
  id_document_country: string
  email: string
  mobile_phone_number: string
}

export interface RaoAccount {
  username: string
  password: string
  pin: string
  rao: string
}

/** The simulator's default officer; tests pass their own. */
export const DEFAULT_RAO: RaoAccount = {
  username: '9001800',
  password: 'Sim-Password-1',
  pin: '246810',
  rao: '1400',
}

/**
 * Small playable videos (3 s, 320×240) made with ffmpeg's test sources, e.g.
 * `ffmpeg -f lavfi -i testsrc2=size=320x240:rate=15:duration=3 -f lavfi -i sine=frequency=440:duration=3
 *  -c:v libx264 -profile:v baseline -pix_fmt yuv420p -crf 35 -c:a aac -b:a 32k -movflags +faststart
 *  -shortest signer-a.mp4`; signer-c.webm with `-c:v libvpx -b:v 100k -an`.
 */
export const VIDEO_DIR = path.join(import.meta.dirname, 'videos')
export const VIDEOS = {
  a: path.join(VIDEO_DIR, 'signer-a.mp4'),
  b: path.join(VIDEO_DIR, 'signer-b.mp4'),
  c: path.join(VIDEO_DIR, 'signer-c.webm'),
  /** Like signer-a but without -movflags +faststart: its index (moov) comes after the media data. */
  d: path.join(VIDEO_DIR, 'signer-d.mp4'),
}

/**
 * signer-d.mp4 (ftyp, free, mdat, then moov) with `padding` more bytes of media data, written to
 * `target`: a player asks for an index that far ahead separately (Chromium waits for one closer than
 * about 5 MB), as it would in a real video. The samples stay where the index says; only the media data
 * box grows, with zeros after them. Answers where its index (moov) starts.
 */
export function writeVideoWithIndexFar(target: string, padding = 8_000_000): number {
  const source = readFileSync(VIDEOS.d)
  const mdatAt = 32 + 8 // after ftyp (32 bytes) and free (8), as the file's boxes say
  const size = source.readUInt32BE(mdatAt)
  const end = mdatAt + size
  const padded = Buffer.concat([source.subarray(0, end), Buffer.alloc(padding), source.subarray(end)])
  padded.writeUInt32BE(size + padding, mdatAt)
  writeFileSync(target, padded)
  return end + padding
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE'
const dni = (digits: number) => `${String(digits).padStart(8, '0')}${DNI_LETTERS[digits % 23]}`

const person = (
  given: string,
  surname1: string,
  surname2: string,
  digits: number,
  phone: string,
  document: 'IDC' | 'PAS' = 'IDC',
  country = 'ES',
): Person => ({
  given_name: given,
  surname_1: surname1,
  surname_2: surname2,
  serial_number: document === 'IDC' ? dni(digits) : `PA${digits}`,
  id_document_type: document,
  id_document_country: country,
  email: `${given}.${surname1}@example.org`
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, ''),
  mobile_phone_number: phone,
})

export type Mode = 'one-step' | 'two-step'

export interface SeedCase {
  status: string
  person: Person
  mode: Mode
  video?: string
  evidences?: boolean
}

export const SEED_CASES: readonly SeedCase[] = [
  {
    status: 'VIDEOREVIEW',
    mode: 'one-step',
    video: VIDEOS.a,
    evidences: true,
    person: person('Lucía', 'García', 'Moreno', 48213957, '+34 612 345 678'),
  },
  {
    status: 'VIDEOREVIEW',
    mode: 'two-step',
    video: VIDEOS.b,
    evidences: true,
    person: person('Javier', 'Fernández', 'Ruiz', 30918274, '+34 655 201 334'),
  },
  {
    status: 'VIDEOREVIEW',
    mode: 'one-step',
    video: VIDEOS.c,
    evidences: true,
    person: person('Ana Isabel', 'López', 'de la Fuente', 51720463, '+34 699 870 112'),
  },
  {
    status: 'VIDEOREVIEW',
    mode: 'two-step',
    video: VIDEOS.a,
    evidences: true,
    person: person('Marc', 'Puig', 'Soler', 39472815, '+34 634 778 905'),
  },
  {
    status: 'CREATED',
    mode: 'two-step',
    video: VIDEOS.b,
    evidences: true,
    person: person('Carmen', 'Sánchez', 'Vidal', 22659018, '+34 620 114 587'),
  },
  {
    status: 'VIDEOPENDING',
    mode: 'one-step',
    person: person('Diego', 'Martín', 'Herrera', 45801326, '+34 611 902 443'),
  },
  {
    status: 'VIDEOPENDING',
    mode: 'two-step',
    person: person('Sofía', 'Romero', 'Navarro', 77120584, '+34 688 350 219'),
  },
  {
    status: 'VIDEOINCOMPLETE',
    mode: 'one-step',
    evidences: true,
    person: person('Pablo', 'Torres', 'Gil', 60384719, '+34 645 019 876'),
  },
  {
    status: 'VIDEOERROR',
    mode: 'one-step',
    person: person('Elena', 'Ortega', 'Castro', 18263504, '+34 601 556 782'),
  },
  {
    status: 'ENROLLREADY',
    mode: 'one-step',
    video: VIDEOS.c,
    evidences: true,
    person: person('Hugo', 'Delgado', 'Ramos', 92045167, '+34 677 432 118'),
  },
  {
    status: 'CANCELLED',
    mode: 'one-step',
    video: VIDEOS.a,
    evidences: true,
    person: person('Valentina', 'Rossi', 'Bianchi', 58201937, '+39 347 118 2290', 'PAS', 'IT'),
  },
]
