package workflow

// Right is a data-subject right (legal.md §1).
type Right string

const (
	RightAccess          Right = "access"           // Art 15
	RightRectification   Right = "rectification"    // Art 16
	RightErasure         Right = "erasure"          // Art 17
	RightRestriction     Right = "restriction"      // Art 18
	RightPortability     Right = "portability"      // Art 20
	RightObjection       Right = "objection"        // Art 21
	RightWithdrawConsent Right = "withdraw_consent" // Art 7(3)
)

// Rights in the order the form lists them.
var Rights = []Right{RightAccess, RightRectification, RightErasure, RightRestriction,
	RightPortability, RightObjection, RightWithdrawConsent}

// ValidRight reports whether r is a known right.
func ValidRight(r string) bool {
	for _, x := range Rights {
		if string(x) == r {
			return true
		}
	}
	return false
}

// Basis is a register's Art 6(1) legal basis letter, or unknown.
type Basis string

const (
	BasisConsent    Basis = "a"
	BasisContract   Basis = "b"
	BasisLegal      Basis = "c"
	BasisVital      Basis = "d"
	BasisPublicTask Basis = "e"
	BasisLegitimate Basis = "f"
	BasisUnknown    Basis = "unknown"
)

// Bases lists the choices of the catalogue's legal-basis field.
var Bases = []Basis{BasisConsent, BasisContract, BasisLegal, BasisVital, BasisPublicTask, BasisLegitimate, BasisUnknown}

// Answer is what an owner says for one register.
type Answer string

const (
	AnswerExtract    Answer = "extract"    // the data (access, portability)
	AnswerNoData     Answer = "no_data"    // no data on this person in this register
	AnswerRectified  Answer = "rectified"  // rectified as asked
	AnswerErased     Answer = "erased"     // erased
	AnswerRestricted Answer = "restricted" // processing restricted
	AnswerStopped    Answer = "stopped"    // objection upheld / consent-based processing stopped
	AnswerRefused    Answer = "refused"    // with an RB-1 ground (D-12)
	AnswerElsewhere  Answer = "elsewhere"  // controller elsewhere (D-7): answers itself
	// AnswerNotConsent: a withdrawal of consent aimed at a register whose
	// basis is not consent (RB-1, D-10) answers itself: the person is
	// told so, the basis, and the rights it gives.
	AnswerNotConsent Answer = "not_consent"
)

// Ground is a legal ground for refusing a right for one register.
type Ground string

const (
	GroundLegalObligation Ground = "art17_3_b"           // 17(3)(b): legal obligation / public task
	GroundArchiving       Ground = "art17_3_d"           // 17(3)(d): archiving in the public interest
	GroundLegalClaims     Ground = "art17_3_e"           // 17(3)(e): legal claims
	GroundPortBasis       Ground = "art20_basis"         // Art 20 applies to consent/contract only
	GroundPortManual      Ground = "art20_not_automated" // Art 20 applies to automated processing only
	GroundObjBasis        Ground = "art21_basis"         // Art 21 applies to (e)/(f) only
	GroundObjCompelling   Ground = "art21_compelling"    // 21(1): compelling legitimate grounds
	GroundObjLegalClaims  Ground = "art21_legal_claims"  // 21(1): legal claims (not 17(3)(e), an erasure exemption)
	GroundNotConsent      Ground = "art7_not_consent"    // processing does not rest on consent
	GroundOthersRights    Ground = "art15_4_others"      // 15(4): rights and freedoms of others
	GroundDPA34           Ground = "dpa_34"              // 1050/2018 §34 restriction of access
	GroundAccurate        Ground = "art16_accurate"      // the data is accurate
	GroundRestrictNotMet  Ground = "art18_not_met"       // no Art 18(1) ground applies
	GroundGuardian        Ground = "id5_guardian"        // ID-5: a guardian's access restricted by special law
)

// Grounds lists every ground (for catalogue completeness tests).
var Grounds = []Ground{GroundLegalObligation, GroundArchiving, GroundLegalClaims, GroundPortBasis,
	GroundPortManual, GroundObjBasis, GroundObjCompelling, GroundObjLegalClaims, GroundNotConsent, GroundOthersRights,
	GroundDPA34, GroundAccurate, GroundRestrictNotMet, GroundGuardian}

// Rule is what RB-1 says for one right against one basis.
type Rule struct {
	Answers []Answer // what the owner may answer
	Grounds []Ground // grounds a refusal may cite
	// BasisNeeded: the basis is unknown, so grounds that depend on it
	// cannot be cited until the catalogue says it (D-11).
	BasisNeeded bool
}

// RuleFor returns RB-1's rule for right r on a register with basis b.
func RuleFor(r Right, b Basis) Rule {
	unknown := b == BasisUnknown || b == ""
	rule := Rule{BasisNeeded: unknown}
	switch r {
	case RightAccess:
		rule.Answers = []Answer{AnswerExtract, AnswerNoData, AnswerRefused}
		rule.Grounds = []Ground{GroundOthersRights, GroundDPA34, GroundGuardian}
	case RightRectification:
		rule.Answers = []Answer{AnswerRectified, AnswerNoData, AnswerRefused}
		rule.Grounds = []Ground{GroundAccurate}
	case RightRestriction:
		rule.Answers = []Answer{AnswerRestricted, AnswerNoData, AnswerRefused}
		rule.Grounds = []Ground{GroundRestrictNotMet}
	case RightErasure:
		rule.Answers = []Answer{AnswerErased, AnswerNoData, AnswerRefused}
		switch b {
		case BasisLegal:
			// RB-1: (c) limited by 17(3)(b).
			rule.Grounds = []Ground{GroundLegalObligation, GroundArchiving, GroundLegalClaims}
		case BasisPublicTask:
			// RB-1: (e) limited by 17(3)(b) and (d) archiving.
			rule.Grounds = []Ground{GroundLegalObligation, GroundArchiving, GroundLegalClaims}
		default:
			// RB-1: 17(3)(d) archiving and 17(3)(e) legal claims do not
			// depend on the basis: offered on every register.
			rule.Grounds = []Ground{GroundArchiving, GroundLegalClaims}
		}
	case RightPortability:
		rule.Answers = []Answer{AnswerExtract, AnswerNoData, AnswerRefused}
		switch b {
		case BasisConsent, BasisContract:
			rule.Grounds = []Ground{GroundPortManual} // "yes, if automated"
		case BasisUnknown, "":
		default:
			rule.Answers = []Answer{AnswerNoData, AnswerRefused}
			rule.Grounds = []Ground{GroundPortBasis}
		}
	case RightObjection:
		rule.Answers = []Answer{AnswerStopped, AnswerNoData, AnswerRefused}
		switch b {
		case BasisPublicTask, BasisLegitimate:
			// Art 21(1) names both: compelling grounds, and legal
			// claims (cited as 21(1), not as erasure's 17(3)(e)).
			rule.Grounds = []Ground{GroundObjCompelling, GroundObjLegalClaims}
		case BasisUnknown, "":
		default:
			rule.Answers = []Answer{AnswerNoData, AnswerRefused}
			rule.Grounds = []Ground{GroundObjBasis}
		}
	case RightWithdrawConsent:
		rule.Answers = []Answer{AnswerStopped, AnswerNoData, AnswerRefused}
		switch b {
		case BasisConsent:
			// RB-1: consent can always be withdrawn (Art 7(3)); no
			// ground could be cited for a refusal, so none is offered.
			rule.Answers = []Answer{AnswerStopped, AnswerNoData}
		case BasisUnknown, "":
		default:
			rule.Answers = []Answer{AnswerNoData, AnswerRefused}
			rule.Grounds = []Ground{GroundNotConsent}
		}
	}
	return rule
}

// AllowsAnswer reports whether a and (for a refusal) g are allowed.
func (r Rule) AllowsAnswer(a Answer, g Ground) bool {
	ok := false
	for _, x := range r.Answers {
		if x == a {
			ok = true
		}
	}
	if !ok {
		return false
	}
	if a != AnswerRefused {
		return g == ""
	}
	for _, x := range r.Grounds {
		if x == g {
			return true
		}
	}
	return false
}

// RoutesTo reports whether a request for right r reaches a register with
// basis b: withdrawal of consent only reaches consent-based or not yet
// known registers (D-10); every other right reaches every chosen register.
func RoutesTo(r Right, b Basis) bool {
	if r == RightWithdrawConsent {
		return b == BasisConsent || b == BasisUnknown || b == ""
	}
	return true
}
