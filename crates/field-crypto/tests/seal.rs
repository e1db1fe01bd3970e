//! Sealing and opening personal data fields.

use field_crypto::{CryptoError, FieldContext, KeyId, KeyRing};
use proptest::prelude::*;

const KEY_1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY_2: &str = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

fn ring(active: u32, keys: &[(u32, &str)]) -> KeyRing {
    let mut text = format!("active = {active}\n[keys]\n");
    for (id, key) in keys {
        text.push_str(&format!("{id} = \"{key}\"\n"));
    }
    KeyRing::from_toml(&text).unwrap()
}

const ADDRESS: FieldContext<'static> = FieldContext {
    table: "people",
    column: "address",
    row: "person-17",
};

#[test]
fn a_field_opens_in_its_own_place_only() {
    let keys = ring(1, &[(1, KEY_1)]);
    let sealed = keys.seal(&ADDRESS, b"12 Acacia Avenue", [7; 24]);
    assert!(
        !sealed.windows(6).any(|w| w == b"Acacia"),
        "the address is not in the clear"
    );
    assert_eq!(keys.open(&ADDRESS, &sealed).unwrap(), b"12 Acacia Avenue");
    let other_row = FieldContext {
        row: "person-18",
        ..ADDRESS
    };
    let other_column = FieldContext {
        column: "employer",
        ..ADDRESS
    };
    assert_eq!(keys.open(&other_row, &sealed), Err(CryptoError::Tampered));
    assert_eq!(
        keys.open(&other_column, &sealed),
        Err(CryptoError::Tampered)
    );
}

#[test]
fn keys_rotate_without_losing_anything() {
    let old = ring(1, &[(1, KEY_1)]);
    let sealed_with_old = old.seal(&ADDRESS, b"12 Acacia Avenue", [1; 24]);
    let rotated = ring(2, &[(1, KEY_1), (2, KEY_2)]);
    assert_eq!(rotated.active(), KeyId(2));
    assert_eq!(rotated.needs_resealing(&sealed_with_old), Ok(true));
    let plaintext = rotated.open(&ADDRESS, &sealed_with_old).unwrap();
    let resealed = rotated.seal(&ADDRESS, &plaintext, [2; 24]);
    assert_eq!(rotated.needs_resealing(&resealed), Ok(false));
    let only_new = ring(2, &[(2, KEY_2)]);
    assert_eq!(
        only_new.open(&ADDRESS, &resealed).unwrap(),
        b"12 Acacia Avenue"
    );
}

#[test]
fn the_wrong_key_file_gives_a_clear_error_not_garbage() {
    let sealed = ring(1, &[(1, KEY_1)]).seal(&ADDRESS, b"secret", [3; 24]);
    let error = ring(2, &[(2, KEY_2)]).open(&ADDRESS, &sealed).unwrap_err();
    assert_eq!(error, CryptoError::UnknownKey(KeyId(1)));
    assert!(error.to_string().contains("right key file"));
    // Same id, different key: the tag does not verify.
    let impostor = ring(1, &[(1, KEY_2)]);
    assert_eq!(impostor.open(&ADDRESS, &sealed), Err(CryptoError::Tampered));
}

#[test]
fn bad_key_configuration_is_named() {
    let short = KeyRing::from_toml("active = 1\n[keys]\n1 = \"abc\"\n").unwrap_err();
    assert!(short.to_string().contains("not 64 hex digits"), "{short}");
    let missing_active =
        KeyRing::from_toml(&format!("active = 3\n[keys]\n1 = \"{KEY_1}\"\n")).unwrap_err();
    assert!(
        missing_active
            .to_string()
            .contains("active key 3 is not listed"),
        "{missing_active}"
    );
    let nonsense = KeyRing::from_toml("this is not toml").unwrap_err();
    assert!(matches!(nonsense, CryptoError::BadKeyConfiguration(_)));
    assert!(
        !format!("{:?}", ring(1, &[(1, KEY_1)])).contains("0001020304"),
        "Debug never prints a key"
    );
}

proptest! {
    #[test]
    fn flipping_any_bit_of_a_sealed_value_is_caught(plaintext in prop::collection::vec(any::<u8>(), 0..64), bit in any::<prop::sample::Index>()) {
        let keys = ring(1, &[(1, KEY_1)]);
        let mut sealed = keys.seal(&ADDRESS, &plaintext, [9; 24]);
        let position = bit.index(sealed.len() * 8);
        sealed[position / 8] ^= 1 << (position % 8);
        prop_assert!(keys.open(&ADDRESS, &sealed).is_err());
    }

    #[test]
    fn what_is_sealed_opens_to_itself(plaintext in prop::collection::vec(any::<u8>(), 0..256), nonce in any::<[u8; 24]>()) {
        let keys = ring(1, &[(1, KEY_1)]);
        prop_assert_eq!(keys.open(&ADDRESS, &keys.seal(&ADDRESS, &plaintext, nonce)).unwrap(), plaintext);
    }
}

#[test]
fn a_blind_index_token_is_keyed_deterministic_and_pinned() {
    let keys = ring(1, &[(1, KEY_1), (2, KEY_2)]);
    let token = keys.blind_index(KeyId(1), "postcode", b"ZW89PR").unwrap();
    // HMAC-SHA256(HMAC-SHA256(key, "cms blind index v1"),
    // be32(len("postcode")) || "postcode" || "ZW89PR"), worked out apart
    // (Python's hmac module), so the index survives a rebuild.
    let hex: String = token.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "a026a8943c0fb04578bfedb7d6b3277b9c8eac5b1216f01fc74c34638459099a"
    );
    assert_eq!(
        keys.blind_index(KeyId(1), "postcode", b"ZW89PR"),
        Some(token)
    );
    assert_ne!(
        keys.blind_index(KeyId(2), "postcode", b"ZW89PR"),
        Some(token),
        "another key, another token"
    );
    assert_ne!(
        keys.blind_index(KeyId(1), "phone", b"ZW89PR"),
        Some(token),
        "another kind of value, another token"
    );
    // The domain is length-prefixed: moving a byte between the domain and
    // the message makes another token.
    assert_ne!(
        keys.blind_index(KeyId(1), "postcod", b"eZW89PR"),
        Some(token)
    );
    assert_eq!(keys.blind_index(KeyId(3), "postcode", b"ZW89PR"), None);
    assert_eq!(keys.key_ids(), vec![KeyId(1), KeyId(2)]);
    assert_eq!(
        ring(2, &[(1, KEY_1), (2, KEY_2)]).key_ids(),
        vec![KeyId(2), KeyId(1)]
    );
}
