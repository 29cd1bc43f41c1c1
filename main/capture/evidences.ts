import { type ImageSlot, imageSlots, type SecurityCheck } from '../../shared/capture'
import type { Evidences } from '../oneshot/schemas'
import type { StoredCapture } from './capture-files'

/** What `acceptance.description` says: the terms as the reference's own example words them. */
export const ACCEPTANCE_DESCRIPTION =
  'User Accepted Terms and Conditions and Privacy Policy at the registration authority desk'

/** The API's name for each check the officer ticks (`videoid_data.security_checks`). */
export const SECURITY_CHECK_FIELDS: Readonly<Record<SecurityCheck, string>> = {
  documentsMatch: 'documents_match',
  dataIntegrity: 'data_integrity',
  documentNotCopy: 'document_notcopy',
  documentNotExpired: 'document_notexpired',
  documentNotUnderage: 'document_notunderage',
  liveness: 'liveliness',
  otpValidation: 'otp_validation',
}

/**
 * The evidences body of a complete capture, with the API's field names: the acceptance as recorded, the
 * images base64-encoded, the document's data, every check (ticked or not) and the similarity level.
 */
export function evidencesOf(
  capture: Required<Pick<StoredCapture, 'acceptance' | 'document' | 'checks'>>,
  images: Partial<Record<ImageSlot, Buffer>>,
): Evidences {
  const { acceptance, document, checks } = capture
  const { similarityLevel, ...ticked } = checks
  return {
    acceptance: {
      description: ACCEPTANCE_DESCRIPTION,
      'url-doc-privacypolicy': acceptance.privacyPolicyUrl,
      ip: acceptance.ip,
      'user-agent': acceptance.userAgent,
      date: acceptance.acceptedAt,
      'url-doc-termsconditions': acceptance.termsUrl,
    },
    videoid_data: {
      images: Object.fromEntries(
        imageSlots.flatMap((slot) => {
          const image = images[slot]
          return image ? [[slot, image.toString('base64')]] : []
        }),
      ),
      ocr_data: {
        given_name: document.givenName,
        surname_1: document.surname1,
        ...(document.surname2 ? { surname_2: document.surname2 } : {}),
        ...(document.mobilePhoneNumber
          ? { mobile_phone_number: document.mobilePhoneNumber.replace(/[\s-]/g, '') }
          : {}),
        ...(document.email ? { email: document.email } : {}),
        serial_number: document.serialNumber,
        id_document_type: document.idDocumentType,
        id_document_country: document.idDocumentCountry,
      },
      security_checks: Object.fromEntries(
        (Object.keys(SECURITY_CHECK_FIELDS) as SecurityCheck[]).map((check) => [
          SECURITY_CHECK_FIELDS[check],
          ticked[check],
        ]),
      ),
      similarity_level: similarityLevel,
    },
  }
}
