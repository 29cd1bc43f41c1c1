/**
 * The evidences body of `POST /videoid/{pk}/evidences`, checked field by field against the API reference
 * (`oneshot-api-1.0.0-videoid.txt`, and the legacy `UploadData_VID` schema in
 * `oneshot-videoid-legacy-v1.yaml`), written out here by hand: any name, type or value the reference does
 * not allow is a problem, so a client that drifts from it fails its tests.
 */
const ACCEPTANCE = [
  'description',
  'url-doc-privacypolicy',
  'ip',
  'url-web-videoid',
  'user-agent',
  'date',
  'url-doc-termsconditions',
]
const VIDEOID_DATA = ['images', 'ocr_data', 'security_checks', 'similarity_level']
const IMAGES = ['document_front', 'document_rear', 'document_photo', 'document_owner']
const OCR_DATA = [
  'given_name',
  'surname_1',
  'surname_2',
  'mobile_phone_number',
  'email',
  'serial_number',
  'id_document_type',
  'id_document_country',
]
const OCR_REQUIRED = ['given_name', 'surname_1', 'serial_number']
const DOCUMENT_TYPES = ['IDC', 'PAS', 'PNO', 'TIN']
const SECURITY_CHECKS = [
  'otp_validation',
  'documents_match',
  'data_integrity',
  'document_notcopy',
  'document_notexpired',
  'document_notunderage',
  'liveliness',
]

type Problems = Record<string, string[]>
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Base64 as the reference's images are: the standard alphabet, padded, no data: prefix, no line breaks. */
const isBase64 = (value: string) =>
  value.length > 0 && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)
/** The images are photographs of a document and a face: JPEG or PNG, as the Optimizer's other uploads. */
function isImage(value: string): boolean {
  const bytes = Buffer.from(value, 'base64')
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  return jpeg || png
}

/** The problems of an evidences body, by the path of the field; empty when it is as the reference says. */
export function evidencesProblems(body: Record<string, unknown>): Problems {
  const problems: Problems = {}
  const add = (field: string, problem: string) => {
    problems[field] = [...(problems[field] ?? []), problem]
  }
  /** An object whose keys are all among `allowed`; answers it, or undefined. */
  const object = (value: unknown, field: string, allowed: string[]) => {
    if (!isObject(value)) {
      add(field || '(body)', 'Must be an object')
      return undefined
    }
    for (const key of Object.keys(value))
      if (!allowed.includes(key)) add(field ? `${field}.${key}` : key, 'Not a field of the API')
    return value
  }
  const text = (value: unknown, field: string) => {
    if (typeof value !== 'string') add(field, 'Must be a string')
    return typeof value === 'string' ? value : undefined
  }

  const top = object(body, '', ['acceptance', 'videoid_data'])
  if (!top) return problems
  if (top.acceptance !== undefined) {
    const acceptance = object(top.acceptance, 'acceptance', ACCEPTANCE)
    for (const key of ACCEPTANCE)
      if (acceptance?.[key] !== undefined) text(acceptance[key], `acceptance.${key}`)
  }
  const data = object(top.videoid_data, 'videoid_data', VIDEOID_DATA)
  if (!data) return problems
  if (data.images !== undefined) {
    const images = object(data.images, 'videoid_data.images', IMAGES)
    for (const key of IMAGES) {
      const image = images?.[key] === undefined ? undefined : text(images[key], `videoid_data.images.${key}`)
      if (image === undefined) continue
      if (!isBase64(image)) add(`videoid_data.images.${key}`, 'Not base64')
      else if (!isImage(image)) add(`videoid_data.images.${key}`, 'Not a JPEG or PNG image')
    }
  }
  const ocr = object(data.ocr_data, 'videoid_data.ocr_data', OCR_DATA)
  for (const key of OCR_DATA) {
    const field = `videoid_data.ocr_data.${key}`
    if (ocr?.[key] === undefined) {
      if (ocr && OCR_REQUIRED.includes(key)) add(field, 'This field is required')
      continue
    }
    const value = text(ocr[key], field)
    if (value === undefined) continue
    if (OCR_REQUIRED.includes(key) && !value.trim()) add(field, 'This field may not be blank')
    if (key === 'id_document_type' && !DOCUMENT_TYPES.includes(value))
      add(field, `Not one of ${DOCUMENT_TYPES.join(', ')}`)
    if (key === 'id_document_country' && !/^[A-Z]{2}$/.test(value))
      add(field, 'Not an ISO 3166-1 alpha-2 code')
  }
  if (data.security_checks !== undefined) {
    const checks = object(data.security_checks, 'videoid_data.security_checks', SECURITY_CHECKS)
    for (const key of SECURITY_CHECKS)
      if (checks?.[key] !== undefined && typeof checks[key] !== 'boolean')
        add(`videoid_data.security_checks.${key}`, 'Must be a boolean')
  }
  const similarity = data.similarity_level
  if (
    similarity !== undefined &&
    (typeof similarity !== 'number' || !Number.isInteger(similarity) || similarity < 0 || similarity > 100)
  )
    add('videoid_data.similarity_level', 'Must be a whole number from 0 to 100')
  return problems
}
