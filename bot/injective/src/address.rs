//! Addresses: the 20-byte Ethereum address, its `inj1` bech32 form, and subaccount ids.

use std::fmt;
use std::str::FromStr;

use bech32::{Bech32, Hrp};

/// Bech32 human-readable part of Injective account addresses.
pub const HRP: &str = "inj";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddressError {
    #[error("not an inj1 bech32 address")]
    BadBech32,
    #[error("not a 0x-prefixed 20-byte hex address")]
    BadHex,
    #[error("not a 0x-prefixed 32-byte subaccount id")]
    BadSubaccount,
}

/// An account: the same 20 bytes are the Ethereum address and the `inj1` address.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Address([u8; 20]);

impl Address {
    pub const fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// Lower-case `0x` hex, the form subaccount ids embed.
    pub fn to_eth_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    pub fn to_bech32(&self) -> String {
        // The HRP is a valid constant and 20 bytes are far below the length limit.
        #[allow(clippy::expect_used)]
        let hrp = Hrp::parse(HRP).expect("static hrp");
        #[allow(clippy::expect_used)]
        bech32::encode::<Bech32>(hrp, &self.0).expect("20-byte payload fits bech32")
    }

    pub fn from_bech32(text: &str) -> Result<Self, AddressError> {
        let (hrp, data) = bech32::decode(text.trim()).map_err(|_| AddressError::BadBech32)?;
        if hrp.as_str() != HRP {
            return Err(AddressError::BadBech32);
        }
        let bytes: [u8; 20] = data.try_into().map_err(|_| AddressError::BadBech32)?;
        Ok(Self(bytes))
    }

    pub fn from_eth_hex(text: &str) -> Result<Self, AddressError> {
        let hex_part = text.trim().strip_prefix("0x").ok_or(AddressError::BadHex)?;
        let mut out = [0u8; 20];
        hex::decode_to_slice(hex_part, &mut out).map_err(|_| AddressError::BadHex)?;
        Ok(Self(out))
    }

    /// A subaccount of this account; index 0 is the default one bank funds land in.
    pub fn subaccount(&self, index: u32) -> SubaccountId {
        let mut bytes = [0u8; 32];
        bytes[..20].copy_from_slice(&self.0);
        bytes[28..].copy_from_slice(&index.to_be_bytes());
        SubaccountId(bytes)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_bech32())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.to_bech32())
    }
}

impl FromStr for Address {
    type Err = AddressError;
    /// Accepts either form, so configuration can use whichever the operator has.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().starts_with("0x") {
            Self::from_eth_hex(s)
        } else {
            Self::from_bech32(s)
        }
    }
}

/// `0x` + 20-byte address + 12-byte big-endian index, as the exchange module spells it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubaccountId([u8; 32]);

impl SubaccountId {
    pub fn address(&self) -> Address {
        let mut out = [0u8; 20];
        out.copy_from_slice(&self.0[..20]);
        Address(out)
    }

    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    /// The default subaccount (index bytes all zero), which trades from the bank balance
    /// (injective-core `types.IsDefaultSubaccountID`).
    pub fn is_default(&self) -> bool {
        self.0[20..].iter().all(|b| *b == 0)
    }
}

impl fmt::Display for SubaccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for SubaccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubaccountId({})", self.to_hex())
    }
}

impl FromStr for SubaccountId {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex_part = s
            .trim()
            .strip_prefix("0x")
            .ok_or(AddressError::BadSubaccount)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut out).map_err(|_| AddressError::BadSubaccount)?;
        Ok(Self(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bech32_round_trip_and_rejects_other_prefixes() {
        let a = Address::from_bytes([7; 20]);
        assert_eq!(Address::from_bech32(&a.to_bech32()).unwrap(), a);
        let cosmos = bech32::encode::<Bech32>(Hrp::parse("cosmos").unwrap(), &[7; 20]).unwrap();
        assert_eq!(Address::from_bech32(&cosmos), Err(AddressError::BadBech32));
        assert!(Address::from_str("inj1qqqq").is_err());
    }

    #[test]
    fn subaccount_round_trip() {
        let a = Address::from_bytes([0xab; 20]);
        let s = a.subaccount(258);
        assert!(s.to_hex().ends_with("000102"));
        assert_eq!(SubaccountId::from_str(&s.to_hex()).unwrap(), s);
        assert_eq!(s.address(), a);
    }
}
