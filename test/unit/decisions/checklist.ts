import type { Checklist } from '../../../shared/decisions'

/** A review with every item ticked and three kinds of security feature seen. */
export const FULL_CHECKLIST: Checklist = {
  checked: [
    'face_matches',
    'person_live',
    'document_genuine',
    'document_in_force',
    'document_not_copy',
    'data_matches',
  ],
  securityFeatures: ['optically_variable', 'personalisation', 'security_print'],
  snapshots: {},
}
