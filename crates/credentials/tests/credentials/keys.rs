//! The key ring on disk.

use std::fs;
use std::path::Path;

use hocvuso_credentials::{vc_jwt, Error, KeyStatus, KeyStore, Reason};
use time::macros::datetime;

use crate::support::{base, request, rng, LATER};

const FIRST_START: time::OffsetDateTime = datetime!(2025-06-01 7:00 UTC);

fn pem_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pem"))
        .collect();
    names.sort();
    names
}

#[test]
fn the_first_start_creates_one_key_and_later_starts_reuse_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    let ring = KeyStore::open_or_create(&dir, &mut rng(1), FIRST_START).unwrap();
    let active = ring.active().unwrap().clone();
    assert_eq!(active.created_at, FIRST_START);
    assert_eq!(pem_files(&dir), [format!("{}.pem", active.kid)]);

    let again = KeyStore::open_or_create(&dir, &mut rng(2), LATER).unwrap();
    assert_eq!(again.active(), Some(&active));
    // What one instance signed, a restarted one verifies.
    let jwt = vc_jwt::issue(&ring, &base(), &request()).unwrap().jwt;
    assert!(vc_jwt::verify(&jwt, &again, LATER).valid);
    assert_eq!(
        vc_jwt::issue(&again, &base(), &request()).unwrap().jwt,
        jwt,
        "the reloaded secret is the same key"
    );
}

#[cfg(unix)]
#[test]
fn secrets_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    let ring = KeyStore::open_or_create(&dir, &mut rng(1), FIRST_START).unwrap();
    let pem = dir.join(format!("{}.pem", ring.active().unwrap().kid));
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&pem), 0o600);
    assert_eq!(mode(&dir), 0o700);
    assert!(fs::read_to_string(&pem)
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));

    fs::set_permissions(&pem, fs::Permissions::from_mode(0o644)).unwrap();
    let err = KeyStore::open(&dir).unwrap_err();
    assert!(
        matches!(err, Error::KeyPermissions { mode: 0o644, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("chmod 600"));
}

#[test]
fn the_index_holds_public_keys_only() {
    let tmp = tempfile::tempdir().unwrap();
    let ring = KeyStore::open_or_create(tmp.path(), &mut rng(1), FIRST_START).unwrap();
    let index: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("keys.json")).unwrap()).unwrap();
    let key = &index["keys"][0];
    assert_eq!(key["kid"], ring.active().unwrap().kid.as_str());
    assert_eq!(key["status"], "active");
    assert_eq!(key["created_at"], "2025-06-01T07:00:00Z");
    let secret = fs::read_to_string(
        tmp.path()
            .join(format!("{}.pem", key["kid"].as_str().unwrap())),
    )
    .unwrap();
    let body: String = secret.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!index.to_string().contains(&body));
    assert!(key.get("d").is_none());
}

#[test]
fn rotating_keeps_old_credentials_valid_and_drops_the_old_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let first = KeyStore::open_or_create(dir, &mut rng(1), FIRST_START).unwrap();
    let old = vc_jwt::issue(&first, &base(), &request()).unwrap();

    let rotated = KeyStore::rotate(dir, &mut rng(2), LATER).unwrap();
    let new_kid = rotated.active().unwrap().kid.clone();
    assert_ne!(new_kid, old.kid);
    assert_eq!(
        pem_files(dir),
        [format!("{new_kid}.pem")],
        "only the active secret is kept"
    );
    assert_eq!(
        rotated.find(&old.kid).unwrap().status,
        KeyStatus::Earlier { rotated_at: LATER }
    );

    let reopened = KeyStore::open(dir).unwrap();
    assert!(vc_jwt::verify(&old.jwt, &reopened, LATER).valid);
    let new = vc_jwt::issue(&reopened, &base(), &request()).unwrap();
    assert_eq!(new.kid, new_kid);
    assert_eq!(reopened.jwks(&base())["keys"].as_array().unwrap().len(), 2);
}

#[test]
fn retiring_a_leaked_active_key_rotates_and_fails_what_it_signed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ring = KeyStore::open_or_create(dir, &mut rng(1), FIRST_START).unwrap();
    let leaked = vc_jwt::issue(&ring, &base(), &request()).unwrap();

    let (ring, retired) =
        KeyStore::retire(dir, &leaked.kid, "Máy chủ cũ bị mất", &mut rng(9), LATER).unwrap();
    assert_eq!(retired.kid, leaked.kid);
    assert_eq!(
        retired.status,
        KeyStatus::Retired {
            at: LATER,
            reason: "Máy chủ cũ bị mất".into()
        }
    );
    assert_ne!(ring.active().unwrap().kid, leaked.kid);

    let reopened = KeyStore::open(dir).unwrap();
    assert_eq!(
        vc_jwt::verify(&leaked.jwt, &reopened, LATER).reason,
        Some(Reason::KeyRetired)
    );
    assert_eq!(
        vc_jwt::kid_of(&leaked.jwt).as_deref(),
        Some(leaked.kid.as_str())
    );
    assert_eq!(pem_files(dir).len(), 1);
    assert!(!pem_files(dir).contains(&format!("{}.pem", leaked.kid)));

    // Twice is an error, as are unknown keys and empty reasons.
    assert!(matches!(
        KeyStore::retire(dir, &leaked.kid, "again", &mut rng(9), LATER),
        Err(Error::AlreadyRetired(_))
    ));
    assert!(matches!(
        KeyStore::retire(dir, "no-such-key", "x", &mut rng(9), LATER),
        Err(Error::UnknownKey(_))
    ));
    assert!(matches!(
        KeyStore::retire(dir, &ring.active().unwrap().kid, "  ", &mut rng(9), LATER),
        Err(Error::EmptyReason)
    ));
}

#[test]
fn an_earlier_key_can_be_retired_by_its_kid_url() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ring = KeyStore::open_or_create(dir, &mut rng(1), FIRST_START).unwrap();
    let old = vc_jwt::issue(&ring, &base(), &request()).unwrap();
    let ring = KeyStore::rotate(dir, &mut rng(2), LATER).unwrap();
    let active = ring.active().unwrap().kid.clone();
    let url = base().key_url(&old.kid);
    let (ring, _) = KeyStore::retire(dir, &url, "lộ khóa", &mut rng(3), LATER).unwrap();
    assert_eq!(
        ring.active().unwrap().kid,
        active,
        "retiring an earlier key keeps the active one"
    );
    assert_eq!(
        vc_jwt::verify(&old.jwt, &ring, LATER).reason,
        Some(Reason::KeyRetired)
    );
}

#[test]
fn a_tampered_index_or_key_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ring = KeyStore::open_or_create(dir, &mut rng(1), FIRST_START).unwrap();
    let kid = ring.active().unwrap().kid.clone();
    let index_path = dir.join("keys.json");
    let index = fs::read_to_string(&index_path).unwrap();

    // Another public key under the same kid.
    let other = KeyStore::open_or_create(&dir.join("other"), &mut rng(2), FIRST_START).unwrap();
    let other_x = other.jwks(&base())["keys"][0]["x"]
        .as_str()
        .unwrap()
        .to_owned();
    let our_x = ring.jwks(&base())["keys"][0]["x"]
        .as_str()
        .unwrap()
        .to_owned();
    fs::write(&index_path, index.replace(&our_x, &other_x)).unwrap();
    assert!(matches!(KeyStore::open(dir), Err(Error::KeyIndex { .. })));

    // The right index, the wrong secret.
    fs::write(&index_path, &index).unwrap();
    let other_kid = other.active().unwrap().kid.clone();
    let other_pem = fs::read(dir.join("other").join(format!("{other_kid}.pem"))).unwrap();
    let ours = dir.join(format!("{kid}.pem"));
    fs::remove_file(&ours).unwrap();
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&ours)
            .unwrap();
        f.write_all(&other_pem).unwrap();
    }
    #[cfg(not(unix))]
    fs::write(&ours, &other_pem).unwrap();
    let err = KeyStore::open(dir).unwrap_err();
    assert!(matches!(err, Error::KeyFile { .. }), "{err}");
    // Errors name files, never their contents.
    let pem_text = String::from_utf8(other_pem).unwrap();
    let body: String = pem_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(!err.to_string().contains(&body));
    assert!(!format!("{err:?}").contains(&body));
}
