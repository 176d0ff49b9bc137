"""Ticket texts in German."""

from careloop.demo.texts.kinds import Complaint as C
from careloop.demo.texts.kinds import LanguageTexts

TEXTS = LanguageTexts(
    complaints={
        "logistics": [
            C(
                "Bestellung {order} noch nicht angekommen",
                "Hallo, ich habe vor über einer Woche bestellt (Bestellung {order}) und die "
                "Sendungsverfolgung bei {carrier} ({tracking}) zeigt seit Tagen nichts Neues. Ich "
                "brauche die Perücke für eine Hochzeit am nächsten Wochenende. Wo ist mein Paket?",
                "delayed",
            ),
            C(
                "Paket hängt beim Zoll fest",
                "Guten Tag, mein Paket zur Bestellung {order} steht bei {carrier} seit fast einer "
                "Woche auf „in Verzollung“. Muss ich etwas bezahlen? Bisher hat sich niemand bei "
                "mir gemeldet.",
                "customs",
            ),
            C(
                "Als zugestellt markiert, aber nichts erhalten",
                "Hallo, laut {carrier} wurde mein Paket ({tracking}) gestern zugestellt, aber es "
                "ist weder vor der Tür noch bei den Nachbarn. Bestellung {order}. Was können Sie "
                "tun?",
                "delivered_not_received",
            ),
        ],
        "quality": [
            C(
                "Perücke haart extrem",
                "Hallo, ich habe {product} letzte Woche bekommen und sie haart extrem. Bei jedem "
                "Kämmen habe ich eine Handvoll Haare in der Hand. Ich habe sie erst einmal nach "
                "Ihrer Anleitung gewaschen. Bestellung {order}.",
                "shedding",
            ),
            C(
                "Haare verfilzen nach der ersten Wäsche",
                "Guten Tag, die Haare von {product} (Bestellung {order}) verknoten sich seit der "
                "ersten Wäsche im Nacken und fühlen sich strohig an. Für den Preis hatte ich mehr "
                "erwartet.",
                "tangling",
            ),
        ],
        "wrong_item": [
            C(
                "Falscher Artikel geliefert",
                "Hallo, ich habe {product} bestellt, im Paket war aber {other}. Bestellung "
                "{order}. Bitte schicken Sie mir schnell den richtigen Artikel.",
                "wrong_item",
            ),
            C(
                "Falsche Länge erhalten",
                "Guten Tag, bei Bestellung {order} habe ich {product} bezahlt, aber eine andere "
                "Länge bekommen. Das Etikett auf dem Beutel passt nicht zu meiner Bestellung.",
                "wrong_item length",
            ),
        ],
        "size_color": [
            C(
                "Kappe zu klein",
                "Hallo, die Kappe von {product} ist mir zu eng, nach einer Stunde bekomme ich "
                "Kopfschmerzen. Gibt es eine größere Kappe oder kann ich sie umtauschen? "
                "Bestellung {order}.",
                "cap_size",
            ),
            C(
                "Farbe viel heller als auf den Fotos",
                "Hallo, die Farbe von {product} ist viel heller als auf Ihrer Website und passt "
                "gar nicht zu meinen Haaren. Kann ich sie umtauschen? Bestellung {order}.",
                "colour",
            ),
        ],
        "refund": [
            C(
                "Erstattung noch nicht erhalten",
                "Guten Tag, ich habe die Rücksendung zu Bestellung {order} vor zwei Wochen "
                "abgeschickt und noch keine Erstattung erhalten. Können Sie das bitte prüfen?",
                "refund_status",
            ),
            C(
                "Doppelt abgebucht",
                "Hallo, auf meinem Konto sehe ich zwei Abbuchungen für Bestellung {order}. Bitte "
                "erstatten Sie die doppelte Zahlung.",
                "double_charge",
            ),
        ],
        "not_as_described": [
            C(
                "Dichte entspricht nicht der Beschreibung",
                "Hallo, {product} wird mit 180 % Dichte beschrieben, ist aber sehr dünn, man sieht "
                "die Kappe durch. Dafür habe ich nicht bezahlt. Bestellung {order}.",
                "density",
            ),
            C(
                "Keine HD-Lace",
                "Guten Tag, laut Beschreibung ist es HD-Lace, aber die Spitze bei {product} ist "
                "bräunlich und auf meiner Haut deutlich sichtbar. Bestellung {order}.",
                "lace_type",
            ),
        ],
        "other": [
            C(
                "Frage zur Lieferzeit",
                "Hallo, wie lange dauert die Lieferung zu mir und bieten Sie Expressversand an? "
                "Ich möchte {product} zu meinem Geburtstag bestellen.",
                "pre_sale",
            ),
            C(
                "Pflege der Perücke",
                "Hallo, welches Shampoo und welche Spülung empfehlen Sie für {product}? Darf ich "
                "ein Glätteisen benutzen?",
                "care_advice",
            ),
        ],
    },
    first_replies={
        "logistics": "Hallo {first},\n\nvielen Dank für Ihre Nachricht und entschuldigen Sie die "
        "Wartezeit. Ich habe die Sendung {tracking} bei {carrier} geprüft und einen "
        "Nachforschungsauftrag gestellt. Sobald ich eine Antwort habe, melde ich mich, in der "
        "Regel innerhalb von 24 Stunden.",
        "quality": "Hallo {first},\n\ndas tut uns sehr leid. Könnten Sie uns zwei, drei Fotos "
        "oder ein kurzes Video der Haare und des Etiketts schicken? Danach veranlassen wir für "
        "Bestellung {order} Ersatz oder eine Erstattung, ganz wie Sie möchten.",
        "wrong_item": "Hallo {first},\n\nbitte entschuldigen Sie die Verwechslung. Ich habe "
        "{product} für Bestellung {order} heute neu auf den Weg gebracht; ein kostenloses "
        "Rücksendeetikett für den falschen Artikel erhalten Sie per E-Mail.",
        "size_color": "Hallo {first},\n\ndanke für Ihre Nachricht. Wir tauschen {product} gern "
        "um, solange die Haare nicht geschnitten oder gefärbt wurden. Das Rücksendeetikett habe "
        "ich Ihnen gemailt; sagen Sie mir einfach, welche Kappengröße oder Farbe Sie möchten.",
        "refund": "Hallo {first},\n\nich sehe Ihre Anfrage zu Bestellung {order} und habe sie an "
        "unsere Buchhaltung weitergegeben. Sie erhalten eine Bestätigung, sobald die Erstattung "
        "veranlasst ist.",
        "not_as_described": "Hallo {first},\n\ndanke für die Details, und es tut uns leid, dass "
        "{product} nicht Ihren Erwartungen entspricht. Könnten Sie ein Foto bei Tageslicht "
        "schicken? Ich gebe das an unser Produktteam weiter und melde mich mit Lösungen.",
        "other": "Hallo {first},\n\ndanke für Ihre Frage! Der Standardversand dauert 3 bis 7 "
        "Werktage, Express 1 bis 3. Zur Pflege empfehlen wir ein sulfatfreies Shampoo und Hitze "
        "nur bis 180 °C. Melden Sie sich gern, wenn Sie noch Fragen haben.",
    },
    resolutions={
        "logistics": "Hallo {first},\n\ngute Nachrichten: {carrier} hat bestätigt, dass Ihr Paket "
        "wieder unterwegs ist und in den nächsten zwei Tagen ankommen sollte. Ich schließe die "
        "Anfrage; antworten Sie einfach hier, falls es nicht ankommt.",
        "quality": "Hallo {first},\n\nvielen Dank für die Fotos. Wir haben Ihnen {product} aus "
        "Bestellung {order} vollständig erstattet; das Geld ist in 5 bis 10 Werktagen auf Ihrem "
        "Konto. Sie müssen nichts zurückschicken. Ihre Meldung haben wir an unser Qualitätsteam "
        "weitergegeben.",
        "wrong_item": "Hallo {first},\n\nlaut Sendungsverfolgung ist der richtige Artikel "
        "({product}) bei Ihnen angekommen. Danke für Ihre Geduld!",
        "size_color": "Hallo {first},\n\nIhre Rücksendung ist bei uns eingegangen und der "
        "Umtausch ist unterwegs.",
        "refund": "Hallo {first},\n\ndie Erstattung für Bestellung {order} wurde heute "
        "veranlasst. Je nach Bank dauert es 5 bis 10 Werktage, bis sie sichtbar ist.",
        "not_as_described": "Hallo {first},\n\nals Entschuldigung haben wir Ihnen 30 % des "
        "Preises von {product} erstattet. Wenn Sie den Artikel lieber zurückgeben möchten, "
        "erstatten wir natürlich den vollen Betrag.",
        "other": "Hallo {first},\n\nschön, dass ich helfen konnte. Einen schönen Tag noch!",
    },
    follow_ups=[
        "Gibt es schon Neuigkeiten?",
        "Hallo? Ich habe noch keine Antwort bekommen.",
        "Danke, anbei die Fotos, um die Sie gebeten haben.",
    ],
    thanks=["Vielen Dank für Ihre Hilfe!", "Ist angekommen, danke!"],
    signature="Viele Grüße\n{agent}\n{brand} Kundenservice",
)
