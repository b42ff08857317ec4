/** The object identifiers of code-signature CMS, for the verifier and the signer alike (RFC 5652, Apple). */
export const CMS_OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  // Apple: an XML plist of every CodeDirectory's 20-byte cdhash.
  cdhashesPlist: "1.2.840.113635.100.9.1",
  // Apple: per CodeDirectory, its hash algorithm and full digest.
  cdhashes2: "1.2.840.113635.100.9.2",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
} as const;
