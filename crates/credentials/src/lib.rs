//! Evidence of completion. This first version gives every completion record a certificate id
//! that is public (it is printed and put in QR codes) yet unguessable, so the verification page
//! cannot be used to enumerate learners. Signed credentials come in a later version.

pub mod certificate_id;

pub use certificate_id::CertificateId;
