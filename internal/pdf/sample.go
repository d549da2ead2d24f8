package pdf

import (
	"fmt"
	"strings"
	"time"
)

// Sample returns a complete synthetic letter of kind k in lang, for the
// `rightsdesk letter --sample` command, the tests and the benchmark. The
// access answer has three registers (issue 18): an extract of 60 rows
// with long cells and a withheld cell, one with nothing found, and one
// refused under 15(4). Everything in it is invented.
func Sample(k Kind, lang string) Letter {
	s := sampleTexts[lang]
	if s == nil {
		s = sampleTexts["fi"]
	}
	at := time.Date(2026, 12, 2, 12, 5, 0, 0, time.UTC) // 14.05 in Helsinki
	l := Letter{
		Kind:          k,
		Lang:          lang,
		Org:           s.org,
		Recipient:     Recipient{Name: "Maija Meikäläinen", Address: []string{"Åkerbärsvägen 7 B 12", "10600 " + s.town}},
		RequestNumber: "RD-2026-00042",
		Date:          at,
		ReceivedAt:    time.Date(2026, 11, 3, 8, 30, 0, 0, time.UTC),
		Due:           time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC),
		Delivery:      "paper",
	}
	switch k {
	case KindAccess:
		l.Registers = []Register{sampleExtract(s, 60), s.none, s.refused}
	case KindConfirmation:
		l.Registers = s.confirm
	case KindRefusal:
		l.Ground = "art12_5_excessive"
		l.Reasons = s.refusalReasons
	case KindExtension:
		l.Date = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		l.ExtendedDue = time.Date(2027, 2, 3, 0, 0, 0, 0, time.UTC)
		l.Reasons = s.extensionReasons
	case KindReceipt:
		l.Date = l.ReceivedAt
		l.Rights = []string{"access", "rectification"}
		l.Registers = []Register{{Name: s.extract.Name}, {Name: s.none.Name}, {Name: s.refused.Name}}
	case KindPause:
		l.Date = time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
		l.Needed, l.ReplyBy = s.needed, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
		l.ReplyURL = "https://pyynnot.esimerkki.fi/" + lang + "/o/esimerkki/status"
	case KindDocDecision:
		l.Date = time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)
		l.DocDecision, l.Reasons = "partly_disclosed", s.docReasons
	case KindDocExtension:
		l.Date = time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
		l.Due, l.ExtendedDue = time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
		l.Reasons = s.extensionReasons
	case KindForward:
		l.Date = time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
		l.Registers = []Register{s.elsewhere}
	}
	return l
}

// SampleAccessSized is an access answer with n registers of rows rows
// each (the benchmark's 10 x 50).
func SampleAccessSized(lang string, n, rows int) Letter {
	l := Sample(KindAccess, lang)
	s := sampleTexts[lang]
	if s == nil {
		s = sampleTexts["fi"]
	}
	l.Registers = nil
	for i := 0; i < n; i++ {
		r := sampleExtract(s, rows)
		r.Name = fmt.Sprintf("%s %d", r.Name, i+1)
		l.Registers = append(l.Registers, r)
	}
	return l
}

type sampleSet struct {
	org              Org
	town             string
	extract          Register
	header           []string
	events           []string
	units            []string
	note             string
	none, refused    Register
	confirm          []Register
	refusalReasons   string
	extensionReasons string
	needed           string
	docReasons       string
	elsewhere        Register
}

// sampleExtract builds the extract register with rows rows of TSV.
func sampleExtract(s *sampleSet, rows int) Register {
	r := s.extract
	r.NoTransfers, r.NoAutomated = true, true
	var b strings.Builder
	b.WriteString(strings.Join(s.header, "\t"))
	b.WriteByte('\n')
	for i := 0; i < rows; i++ {
		day := time.Date(2025, 1, 7, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 6*i)
		note := s.note
		if i%3 == 1 {
			note = s.note + " " + s.note
		}
		fmt.Fprintf(&b, "%d.%d.%d\t%s\t%s\t%s\n", day.Day(), int(day.Month()), day.Year(),
			s.events[i%len(s.events)], s.units[i%len(s.units)], note)
	}
	r.Extract = b.String()
	if rows >= 7 {
		r.Withheld = append([]Withheld(nil), r.Withheld...)
	} else {
		r.Withheld = nil
	}
	return r
}

var sampleTexts = map[string]*sampleSet{"fi": sampleFI(), "en": sampleFI(), "sv": sampleSV()}

func sampleFI() *sampleSet {
	return &sampleSet{
		org: Org{
			Name:     "Esimerkkikaupunki",
			Address:  []string{"Kirjaamo", "PL 100", "10601 Esimerkkikaupunki"},
			DPOName:  "Eeva Esimerkki",
			DPOEmail: "tietosuoja@esimerkki.fi",
			DPOPhone: "019 123 4567",
		},
		town: "ESIMERKKIKAUPUNKI",
		extract: Register{
			Name: "Varhaiskasvatuksen asiakasrekisteri", Lang: "fi", Right: "access", Answer: "extract",
			Purpose:     "Varhaiskasvatuksen järjestäminen, hakemusten käsittely, asiakasmaksujen määrääminen ja laskutus.",
			LegalBasis:  "(e) yleinen etu / julkisen vallan käyttö; varhaiskasvatuslaki 540/2018",
			BasisCode:   "e",
			DataContent: "Lapsen ja huoltajien yhteystiedot, hoitoaikatiedot, varhaiskasvatussuunnitelma, asiakasmaksupäätökset, tulotiedot.",
			Recipients:  "Kansaneläkelaitos (Kela), Opetushallituksen Varda-tietovaranto; tietoja ei luovuteta markkinointiin.",
			Retention:   "Asiakasasiakirjat 10 vuotta asiakkuuden päättymisestä; maksupäätökset 10 vuotta (arkistonmuodostussuunnitelma).",
			Sources:     "Huoltajat, Digi- ja väestötietoviraston väestötietojärjestelmä, Kela.",
			Files:       []string{"varhaiskasvatussuunnitelma_2025.pdf", "kehityskeskustelu_2025.pdf"},
			Withheld: []Withheld{
				{Row: 7, Column: "Lisätiedot", Ground: "art15_4_others",
					Reason: "Merkintä sisältää toisen lapsen terveydentilaa koskevia tietoja."},
				{File: "kehityskeskustelu_2025.pdf", Ground: "dpa_34",
					Reason: "Asiakirja on lastensuojeluasian selvityksen liite; sen antaminen voisi vaarantaa lapsen edun."},
			},
		},
		header: []string{"Päivämäärä", "Tapahtuma", "Yksikkö", "Lisätiedot"},
		events: []string{"Hoitoaikavaraus", "Asiakasmaksupäätös", "Poissaolo", "Varhaiskasvatussuunnitelman päivitys", "Tulotietojen tarkistus"},
		units:  []string{"Päiväkoti Päivänsäde", "Päiväkoti Tähtitaivas", "Varhaiskasvatuksen palveluohjaus"},
		note:   "Huoltaja ilmoitti muutoksesta sähköisessä asiointipalvelussa; tieto päivitetty hoitoaikoihin ja laskutukseen (€ 12,50 / pv).",
		none:   Register{Name: "Kirjaston asiakasrekisteri", Lang: "fi", Right: "access", Answer: "no_data"},
		refused: Register{Name: "Oppilashuollon kertomusrekisteri", Lang: "fi", Right: "access", Answer: "refused",
			Ground:  "art15_4_others",
			Comment: "Rekisterin merkinnät koskevat ryhmätapaamisia, ja niissä on pääosin muiden oppilaiden ja heidän perheidensä tietoja. Sinua koskevia merkintöjä ei voi erottaa niistä paljastamatta muiden tietoja."},
		confirm: []Register{
			{Name: "Väestö- ja osoitetiedot (asiakastietojärjestelmä)", Right: "rectification", Answer: "rectified",
				Changes:        "Postiosoite muutettu: Åkerbärsvägen 7 B 12, 10600 Esimerkkikaupunki.",
				RecipientsTold: []string{"Kansaneläkelaitos (Kela)", "Esimerkkikaupungin Vesi Oy"}},
			{Name: "Rakennusvalvonnan lupa-arkisto", Right: "erasure", Answer: "refused", Ground: "art17_3_b",
				Comment: "Rakennuslupa-asiakirjat säilytetään pysyvästi arkistolain (831/1994) ja arkistonmuodostussuunnitelman perusteella."},
			{Name: "Liikuntapalvelujen asiakasrekisteri", Right: "erasure", Answer: "erased"},
			{Name: "Uutiskirjeen tilaajat", Right: "withdraw_consent", Answer: "stopped"},
		},
		refusalReasons:   "Olet tehnyt saman pyynnön kuusi kertaa kuluneen kuukauden aikana, ja kaikkiin on vastattu. Rekistereissä ei ole tapahtunut muutoksia edellisen vastauksen jälkeen.",
		extensionReasons: "Pyyntö koskee kaikkia kaupungin rekistereitä, ja tietoja on haettava 14 eri järjestelmästä, joista osa on arkistoitu.",
		needed:           "Jäljennös päätöksestä, jolla sinut on määrätty lapsen edunvalvojaksi, tai valtakirja.",
		docReasons:       "Pöytäkirjan liitteestä 3 on poistettu toisen hakijan terveydentilaa koskevat tiedot, jotka ovat salassa pidettäviä (laki viranomaisten toiminnan julkisuudesta 621/1999, 24 §).",
		elsewhere: Register{Name: "Lastensuojelun asiakasrekisteri", Lang: "fi", ElsewhereName: "Länsi-Uudenmaan hyvinvointialue",
			ElsewhereContact: "Kirjaamo, PL 1000, 02070 Länsi-Uudenmaan hyvinvointialue, kirjaamo@luvn.fi"},
	}
}

func sampleSV() *sampleSet {
	return &sampleSet{
		org: Org{
			Name:     "Exempelstad",
			Address:  []string{"Registratorskontoret", "PB 100", "10601 Exempelstad"},
			DPOName:  "Eva Exempel",
			DPOEmail: "dataskydd@exempelstad.fi",
			DPOPhone: "019 123 4567",
		},
		town: "EXEMPELSTAD",
		extract: Register{
			Name: "Kundregistret för småbarnspedagogik", Lang: "sv", Right: "access", Answer: "extract",
			Purpose:     "Ordnande av småbarnspedagogik, behandling av ansökningar, fastställande och fakturering av klientavgifter.",
			LegalBasis:  "(e) allmänt intresse / myndighetsutövning; lagen om småbarnspedagogik 540/2018",
			BasisCode:   "e",
			DataContent: "Barnets och vårdnadshavarnas kontaktuppgifter, vårdtider, plan för småbarnspedagogik, avgiftsbeslut, inkomstuppgifter.",
			Recipients:  "Folkpensionsanstalten (FPA), Utbildningsstyrelsens informationsresurs Varda; uppgifter lämnas inte ut för marknadsföring.",
			Retention:   "Klienthandlingar 10 år efter att klientskapet upphört; avgiftsbeslut 10 år (arkivbildningsplanen).",
			Sources:     "Vårdnadshavarna, Myndigheten för digitalisering och befolkningsdatas befolkningsdatasystem, FPA.",
			Files:       []string{"plan_smabarnspedagogik_2025.pdf", "utvecklingssamtal_2025.pdf"},
			Withheld: []Withheld{
				{Row: 7, Column: "Tilläggsuppgifter", Ground: "art15_4_others",
					Reason: "Anteckningen innehåller uppgifter om ett annat barns hälsotillstånd."},
				{File: "utvecklingssamtal_2025.pdf", Ground: "dpa_34",
					Reason: "Handlingen är en bilaga till en barnskyddsutredning; att lämna ut den kunde äventyra barnets intresse."},
			},
		},
		header: []string{"Datum", "Händelse", "Enhet", "Tilläggsuppgifter"},
		events: []string{"Bokning av vårdtid", "Avgiftsbeslut", "Frånvaro", "Uppdatering av planen för småbarnspedagogik", "Kontroll av inkomstuppgifter"},
		units:  []string{"Daghemmet Solstrålen", "Daghemmet Stjärnhimlen", "Servicehandledning inom småbarnspedagogiken"},
		note:   "Vårdnadshavaren meddelade ändringen i den elektroniska tjänsten; uppgiften uppdaterad i vårdtiderna och faktureringen (€ 12,50 / dag).",
		none:   Register{Name: "Bibliotekets kundregister", Lang: "sv", Right: "access", Answer: "no_data"},
		refused: Register{Name: "Journalregistret för elevhälsan", Lang: "sv", Right: "access", Answer: "refused",
			Ground:  "art15_4_others",
			Comment: "Anteckningarna gäller gruppmöten och innehåller främst uppgifter om andra elever och deras familjer. Anteckningarna om dig kan inte skiljas från dem utan att andras uppgifter röjs."},
		confirm: []Register{
			{Name: "Befolknings- och adressuppgifter (klientdatasystemet)", Right: "rectification", Answer: "rectified",
				Changes:        "Postadressen ändrad: Åkerbärsvägen 7 B 12, 10600 Exempelstad.",
				RecipientsTold: []string{"Folkpensionsanstalten (FPA)", "Exempelstads Vatten Ab"}},
			{Name: "Byggnadstillsynens tillståndsarkiv", Right: "erasure", Answer: "refused", Ground: "art17_3_b",
				Comment: "Bygglovshandlingar förvaras varaktigt med stöd av arkivlagen (831/1994) och arkivbildningsplanen."},
			{Name: "Idrottstjänsternas kundregister", Right: "erasure", Answer: "erased"},
			{Name: "Prenumeranter på nyhetsbrevet", Right: "withdraw_consent", Answer: "stopped"},
		},
		refusalReasons:   "Du har gjort samma begäran sex gånger under den senaste månaden, och alla har besvarats. Registren har inte ändrats sedan det senaste svaret.",
		extensionReasons: "Begäran gäller alla stadens register, och uppgifterna måste hämtas ur 14 olika system, av vilka en del har arkiverats.",
		needed:           "En kopia av beslutet om att du har förordnats till barnets intressebevakare, eller en fullmakt.",
		docReasons:       "Ur bilaga 3 till protokollet har uppgifterna om en annan sökandes hälsotillstånd tagits bort, eftersom de är sekretessbelagda (lagen om offentlighet i myndigheternas verksamhet 621/1999, 24 §).",
		elsewhere: Register{Name: "Barnskyddets klientregister", Lang: "sv", ElsewhereName: "Västra Nylands välfärdsområde",
			ElsewhereContact: "Registratorskontoret, PB 1000, 02070 Västra Nylands välfärdsområde, kirjaamo@luvn.fi"},
	}
}
