/* qimeng spec options: the optional members of an entry's `Spec` struct.
 *
 * An entry states only what differs from the defaults; a family reads a member through
 * `NameOf<Spec>::value`, which is `Spec::kMember` when the entry defines it and the default when
 * it does not. The variant options every prefill family understands are declared here once, with
 * one default each, so that two families can never read the same spec differently.
 */
#ifndef QIMENG_SPEC_OPTIONS_CUH
#define QIMENG_SPEC_OPTIONS_CUH

/* Declares `Name<S>::value`: `S::Member` if `S` has that member, else `Default` (of `Type`). */
#define QIMENG_SPEC_OPTION(Name, Member, Type, Default)              \
    template <class S, class = void>                                 \
    struct Name {                                                    \
        static constexpr Type value = Default;                       \
    };                                                               \
    template <class S>                                               \
    struct Name<S, decltype(void(S::Member))> {                      \
        static constexpr Type value = S::Member;                     \
    }

namespace qimeng {

/* Sliding window, keys visible to query row i: [i - left, i + right]; -1 leaves that side open.
 * Key blocks wholly outside the window are never loaded. */
QIMENG_SPEC_OPTION(WindowLeftOf, kWindowLeft, int, -1);
QIMENG_SPEC_OPTION(WindowRightOf, kWindowRight, int, -1);
/* Logit softcap: s = cap * tanh(s / cap) before any mask; 0 means none. */
QIMENG_SPEC_OPTION(SoftcapOf, kSoftcap, float, 0.f);
/* ALiBi: a per-head slope from args.alibi_slopes times the key-query distance (abi.h). */
QIMENG_SPEC_OPTION(AlibiOf, kAlibi, bool, false);
/* Packed variable-length sequences addressed by args.cu_seqlens_q/k (abi.h). */
QIMENG_SPEC_OPTION(VarlenOf, kVarlen, bool, false);

}  // namespace qimeng

#endif  // QIMENG_SPEC_OPTIONS_CUH
