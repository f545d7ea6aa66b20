"""The clinical word list shipped with the spell checker: medications (generic and US
brand names), diagnoses, assessment names, abbreviations and common terms of the trade
("psychoeducation", "dysregulation", "SUDS"), so the checker does not flag them. Words are
compared without regard to case; hyphenated terms are listed by their parts, which is how
the checker sees them. Add words here, one space apart, in any order.
"""

from __future__ import annotations

_WORDS = """
    Abilify abulia acamprosate ACT Adderall ADHD agoraphobia agoraphobic akathisia
    alexithymia alogia alprazolam Ambien amphetamine anhedonia anhedonic anorexia
    antipsychotic antipsychotics anxiolytic anxiolytics ARFID aripiprazole ASD Ativan
    atomoxetine attunement AUDIT AVH avolition BAI BDI benzodiazepine benzodiazepines
    BID binge biopsychosocial BIRP BPD brexanolone brexpiprazole bulimia buprenorphine
    bupropion BuSpar buspirone carbamazepine cariprazine catatonia catatonic CBT Celexa
    CFR circumstantial circumstantiality citalopram clonazepam clonidine clozapine CM co
    collateral comorbid comorbidity Concerta countertransference CPT CPTSD cyclothymia
    cyclothymic Cymbalta DAP DAST DBT delusional Depakote depersonalization
    derealization desvenlafaxine dextroamphetamine diazepam dissociation dissociative
    disulfiram divalproex DSM duloxetine dyskinesia dysmorphia dysmorphic dysphoric
    dysregulated dysregulation dysthymia dysthymic dystonic eating Effexor ego
    egodystonic egosyntonic EHR EMDR encopresis enuresis escitalopram esketamine
    eszopiclone euthymic excoriation fluoxetine fluvoxamine gabapentin GAD GIRP
    grounding guanfacine hallucinations haloperidol harm HI HIPAA homicidality
    hydroxyzine hypervigilance hypervigilant hypomania hypomanic ICD ideation IFS
    Intuniv ketamine Klonopin Lamictal lamotrigine Latuda Lexapro lisdexamfetamine
    lithium logorrhea lorazepam lurasidone MAOI MBCT MBSR MDD melatonin mentalization
    mentalizing methadone methylphenidate mg mirtazapine modafinil MSE mutism naltrexone
    neurodivergence neurodivergent neurotypical NSSI occurring OCD olanzapine
    oxcarbazepine paranoia paranoid paroxetine Paxil PCL PE perseveration perseverative
    PHI PHQ plan prazosin pregabalin PRN propranolol Prozac psychiatric psychiatrist
    psychodynamic psychoeducation psychoeducational psychomotor psychosocial
    psychotherapeutic psychotherapist PTSD QD QHS quetiapine rapport regulation Remeron
    reparenting Risperdal risperidone Ritalin safety schizoaffective schizoid
    schizophreniform schizotypal selective self Seroquel sertraline SI SNRI SNRIs SOAP
    somatic somatization Spravato SSRI SSRIs SSRS Strattera Suboxone SUDS suicidality
    syntonic tangential tangentiality TCA telehealth teletherapy TF TID titrate
    titration topiramate TR transference trazodone trichotillomania Trintellix Valium
    valproate varenicline venlafaxine vilazodone Vistaril Vivitrol vortioxetine Vraylar
    Vyvanse Wellbutrin Xanax YBOCS ziprasidone Zoloft zolpidem zuranolone Zyprexa
"""

CLINICAL_WORDS: frozenset[str] = frozenset(w.lower() for w in _WORDS.split())
