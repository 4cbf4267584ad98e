package rfc2217

// Options tracks the telnet options of one side of a connection: the
// options this side performs ("us": WILL/WONT, asked with DO/DONT) and
// the options the peer performs ("them": DO/DONT, announced with
// WILL/WONT). It follows RFC 1143's rules without the queue bits: an
// option is answered only when its state changes, so two sides never
// loop, and a request this side made is not answered again when the peer
// agrees. The zero value refuses everything.
type Options struct {
	// AcceptUs and AcceptThem say which options this side agrees to
	// perform and to let the peer perform.
	AcceptUs, AcceptThem [256]bool
	us, them             [256]optState
}

type optState uint8

const (
	optNo optState = iota
	optYes
	optWantYes // we asked for it
	optWantNo  // we asked to stop it
)

// Ask requests that this side perform option (verb WILL) or that the
// peer perform it (verb DO), and appends the request to dst. A request
// already granted or under way appends nothing.
func (o *Options) Ask(dst []byte, verb, option byte) []byte {
	st := &o.us[option]
	if verb == DO {
		st = &o.them[option]
	}
	if *st != optNo {
		return dst
	}
	*st = optWantYes
	return AppendOption(dst, verb, option)
}

// Us reports whether this side performs option.
func (o *Options) Us(option byte) bool { return o.us[option] == optYes }

// Them reports whether the peer performs option.
func (o *Options) Them(option byte) bool { return o.them[option] == optYes }

// Refused reports whether a request made with Ask (verb WILL for us, DO
// for them) was refused by the peer.
func (o *Options) Refused(verb, option byte) bool {
	if verb == DO {
		return o.them[option] == optNo
	}
	return o.us[option] == optNo
}

// Receive applies a WILL, WONT, DO or DONT from the peer and appends the
// answer, if one is due, to dst. Other verbs append nothing.
func (o *Options) Receive(dst []byte, verb, option byte) []byte {
	var st *optState
	var accept bool
	var yes, no byte // our answers
	switch verb {
	case WILL, WONT:
		st, accept, yes, no = &o.them[option], o.AcceptThem[option], DO, DONT
	case DO, DONT:
		st, accept, yes, no = &o.us[option], o.AcceptUs[option], WILL, WONT
	default:
		return dst
	}
	if verb == WILL || verb == DO {
		switch *st {
		case optNo:
			if accept {
				*st = optYes
				return AppendOption(dst, yes, option)
			}
			return AppendOption(dst, no, option)
		case optWantYes:
			*st = optYes // the peer agreed to our request
		case optWantNo:
			// The peer answers our WONT/DONT with WILL/DO: it
			// disagrees; RFC 1143 calls this an error. Stay off.
			*st = optNo
		}
		return dst
	}
	switch *st { // WONT, DONT
	case optYes:
		*st = optNo
		return AppendOption(dst, no, option)
	case optWantYes, optWantNo:
		*st = optNo // refused, or the stop we asked for
	}
	return dst
}
