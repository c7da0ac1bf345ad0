"""Titles and abstracts of the life-science part's PubMed records (Schmallenbach et al. 2024): an AI article's text
carries one of ``AI_TERMS`` (title, abstract or both); a non-AI record's carries none of ``NONAI_FORBIDDEN``;
clinical ones carry a Haynes text marker and their publication type."""

from __future__ import annotations

from aigeo_assets.sampleworld.lifesci.vocabulary import (
    AIMS,
    DESIGNS,
    DIAG_TESTS,
    EXPOSURES,
    GENES,
    INTERVENTIONS,
    MARKERS,
    MESH_SENS,
    POPULATIONS,
    TERM_FORMS,
    with_article,
    capitalise,
)


class Texts:
    """Writes the texts of a ``LifesciWorld``'s records from its stream ``r`` (counts records
    without abstract in ``quirks``)."""

    def ai_text(self, kw: str, clinical: str | None, cond: tuple) -> tuple[str, list, list, list]:
        """Title, abstract sections, extra MeSH, extra publication types of an AI article."""
        r = self.r
        t_caps, t_lows, t_mods, phrases = TERM_FORMS[kw]
        cname, data = cond[0], cond[3]
        aim = r.choice(AIMS)
        pop = r.choice(POPULATIONS)
        u = r.random()
        place = "title" if u < 0.25 else ("abstract" if u < 0.60 else "both")
        no_abstract = r.random() < 0.03
        if no_abstract:
            place = "title"
        T, t, m, ph = r.choice(t_caps), r.choice(t_lows), r.choice(t_mods), r.choice(phrases)
        in_title = place in ("title", "both")
        in_abs = place in ("abstract", "both")
        mesh, pts = [], []
        # title
        if clinical == "diagnostic":
            title = (f"Diagnostic accuracy of {m}-assisted {aim} of {cname}" if in_title
                     else f"Diagnostic accuracy of automated {aim} of {cname} in {pop}")
        elif clinical == "rct":
            title = (f"{T}-assisted {aim} of {cname}: a randomized controlled trial" if in_title
                     else f"Automated {aim} of {cname} in {pop}: a randomized controlled trial")
            pts.append(("Randomized Controlled Trial", "D016449"))
        elif clinical == "trial":
            title = (f"{T} for {aim} of {cname}: a prospective clinical trial" if in_title
                     else f"Automated {aim} of {cname}: results of a prospective clinical trial")
            pts.append(("Clinical Trial", "D016430"))
        elif in_title:
            title = r.choice([
                f"{T}-based {aim} of {cname} from {data}",
                f"{capitalise(aim)} of {cname} using {t}",
                f"Development and validation of {with_article(m)} model for {aim} of {cname}",
                f"{T} for {aim} of {cname} in {pop}",
                f"Can {t} improve {aim} of {cname}?",
            ])
        else:
            title = r.choice([f"{capitalise(aim)} of {cname} from {data}: a retrospective study",
                              f"Automated {aim} of {cname} in {pop}",
                              f"Towards automated {aim} of {cname}"])
        if not title.endswith("?"):
            title += "."
        if no_abstract:
            self.quirks["records_without_abstract"] += 1
            return title, [], mesh, pts
        subj = ph if in_abs else "an automated model"
        n_pat = r.randrange(120, 25000)
        bg = r.choice([f"{capitalise(cname)} is a major cause of morbidity and mortality worldwide, and timely {aim} "
                       "remains challenging.",
                       f"Accurate {aim} of {cname} is essential for treatment planning.",
                       f"Manual review of {data} is time-consuming and subject to inter-observer variability."])
        if clinical == "rct":
            meth = (f"In this randomized controlled trial, {n_pat} patients were randomly assigned to care supported by "
                    f"{subj} or to usual care.")
        elif clinical == "trial":
            meth = f"In this prospective, multicentre clinical trial, {subj} was applied to {data} of {n_pat} patients."
        else:
            meth = r.choice([f"We retrospectively collected {data} from {n_pat} patients at {r.randrange(1, 12)} hospitals "
                             f"and developed {subj}.",
                             f"{capitalise(subj)} was trained on {n_pat} cases and evaluated on an independent test set of "
                             f"{r.randrange(50, 5000)} cases."])
        auc = r.randrange(70, 99)
        if clinical in ("diagnostic", "trial") and r.random() < 0.6:
            res = (f"Sensitivity and specificity were {r.randrange(70, 99)}% and {r.randrange(70, 99)}%, respectively, "
                   f"with an area under the curve of 0.{auc}.")
            mesh.append(MESH_SENS)
        elif clinical is not None:
            res = (f"The diagnostic performance reached an area under the curve of 0.{auc} "
                   f"(95% CI 0.{auc - 3}-0.{min(auc + 2, 99)}).")
        else:
            res = r.choice([f"The model achieved an area under the receiver operating characteristic curve of 0.{auc} "
                            f"(95% CI 0.{auc - 3}-0.{min(auc + 2, 99)}) in the test set.",
                            f"The Dice similarity coefficient was 0.{auc} on the held-out data (P < 0.001).",
                            "Performance was consistent across subgroups defined by age and sex (P > 0.05)."])
        concl = r.choice([f"{capitalise(subj)} can support {aim} of {cname} in routine practice.",
                          "These findings warrant prospective validation in larger cohorts.",
                          f"The approach may reduce the workload of {aim} in {pop}."])
        sections = [("BACKGROUND", bg), ("METHODS", meth), ("RESULTS", res), ("CONCLUSIONS", concl)]
        if r.random() < 0.2:
            sections.insert(1, ("OBJECTIVE", f"To evaluate {subj} for {aim} of {cname}."))
        return title, sections, mesh, pts

    def nonai_text(self, clinical: str | None, cond: tuple) -> tuple[str, list, list, list, bool]:
        """Title, sections, extra MeSH, extra publication types, animal study flag of a non-AI record."""
        r = self.r
        cname = cond[0]
        pop = r.choice(POPULATIONS)
        expo, inter, marker, gene = r.choice(EXPOSURES), r.choice(INTERVENTIONS), r.choice(MARKERS), r.choice(GENES)
        design = r.choice(DESIGNS)
        mesh, pts, animal = [], [], False
        if clinical == "rct":
            title = f"{capitalise(inter)} versus usual care in {pop} with {cname}: a randomized controlled trial."
            pts.append(("Randomized Controlled Trial", "D016449"))
            meth = f"Patients were randomly assigned to {inter} or placebo and followed for {r.randrange(3, 60)} months."
        elif clinical == "trial":
            title = f"Safety and efficacy of {inter} in {cname}: a phase {r.choice(['I', 'II', 'III'])} clinical trial."
            pts.append(("Clinical Trial", "D016430"))
            meth = f"This open-label clinical trial enrolled {r.randrange(20, 900)} {pop} with {cname}."
        elif clinical == "diagnostic":
            test = r.choice(DIAG_TESTS)
            title = f"Diagnostic accuracy of {test} for {cname} in {pop}."
            meth = f"Sensitivity and specificity of {test} were estimated against the reference standard."
            mesh.append(MESH_SENS)
        else:
            u = r.random()
            if u < 0.12:
                animal = True
                title = f"Effect of {inter} on {marker} in a mouse model of {cname}."
                meth = f"Mice were treated with {inter} for {r.randrange(2, 12)} weeks and {marker} was measured."
            else:
                title = r.choice([f"{capitalise(expo)} and risk of {cname} in {pop}: a {design[0]} study.",
                                  f"Long-term outcomes of patients with {cname} treated with {inter}.",
                                  f"{gene} expression and {cname} progression.",
                                  f"Trends in incidence of {cname} among {pop}, "
                                  f"{r.randrange(1990, 2005)}-{r.randrange(2006, 2019)}.",
                                  f"Quality of life in {pop} with {cname}."])
                meth = r.choice([f"We conducted a {design[0]} study of {r.randrange(80, 90000)} {pop} with {cname}.",
                                 f"{capitalise(marker)} was measured at baseline and after {r.randrange(3, 36)} months.",
                                 f"Expression of {gene} was quantified by quantitative PCR and immunohistochemistry."])
                mesh.append(design[1:])
        if r.random() < 0.04:
            self.quirks["records_without_abstract"] += 1
            return title, [], mesh, pts, animal
        bg = r.choice([f"{capitalise(cname)} remains a major public health burden.",
                       f"The role of {expo} in {cname} is uncertain.",
                       f"Few studies have examined {inter} in {pop}."])
        hr = r.randrange(5, 95)
        res = r.choice([f"{capitalise(expo)} was associated with {cname} (hazard ratio 1.{hr:02d}; "
                        f"95% CI 1.{max(hr - 4, 0):02d}-1.{min(hr + 4, 99):02d}).",
                        f"Median follow-up was {r.randrange(6, 120)} months.",
                        f"Mean {marker} decreased by {r.randrange(3, 40)}% (P < 0.001)."])
        concl = r.choice([f"These findings support further study of {inter} in {pop}.",
                          f"{capitalise(expo)} should be considered in the management of {cname}.",
                          f"Larger studies of {marker} in {cname} are needed."])
        return title, [("BACKGROUND", bg), ("METHODS", meth), ("RESULTS", res), ("CONCLUSIONS", concl)], mesh, pts, animal
