package hostproto

// CUPEnvelopeLen is the length of the TPDU and message header in front
// of a cup message.
const CUPEnvelopeLen = cupEnvLen

// CUPTPDULen is the length of the TPDU, the first part of the envelope.
const CUPTPDULen = cupTPDULen
