"""Ticket texts in Swahili (customers in Kenya)."""

from careloop.demo.texts.kinds import Complaint as C
from careloop.demo.texts.kinds import LanguageTexts

TEXTS = LanguageTexts(
    complaints={
        "logistics": [
            C(
                "Oda {order} bado haijafika",
                "Habari, niliagiza oda {order} zaidi ya wiki moja iliyopita na tracking ya "
                "{carrier} ({tracking}) haijabadilika kwa siku kadhaa. Nahitaji wigi hii kwa "
                "harusi wikendi ijayo. Tafadhali niambieni mzigo wangu uko wapi.",
                "delayed",
            ),
            C(
                "Mzigo umekwama forodhani",
                "Habari, mzigo wa oda {order} unaonyesha 'held at customs' kwa {carrier} kwa "
                "karibu wiki nzima. Je, natakiwa kulipa kitu? Hakuna aliyewasiliana nami.",
                "customs",
            ),
        ],
        "quality": [
            C(
                "Wigi inanyonyoka nywele sana",
                "Habari, nilipokea {product} wiki iliyopita na inanyonyoka nywele sana. Kila "
                "nikichana, nywele nyingi zinabaki mkononi. Nimeiosha mara moja tu kufuata "
                "maelekezo yenu. Oda {order}.",
                "shedding",
            ),
            C(
                "Nywele zinashikana baada ya kuosha",
                "Habari, nywele za {product} (oda {order}) zimeanza kushikana na kuchanganyika "
                "nyuma ya shingo tangu nilipoiosha mara ya kwanza, na zimekuwa kavu. Kwa bei hii "
                "nilitarajia ubora zaidi.",
                "tangling",
            ),
        ],
        "wrong_item": [
            C(
                "Nimepokea bidhaa isiyo sahihi",
                "Habari, niliagiza {product} lakini ndani ya boksi kulikuwa na {other}. Oda "
                "{order}. Tafadhali nitumieni bidhaa sahihi haraka.",
                "wrong_item",
            ),
            C(
                "Urefu si ule niliouagiza",
                "Habari, kwa oda {order} nililipia {product} lakini nimepokea urefu tofauti. Lebo "
                "kwenye mfuko hailingani na oda yangu.",
                "wrong_item length",
            ),
        ],
        "size_color": [
            C(
                "Kofia ya wigi ni ndogo",
                "Habari, kofia ya {product} inanibana sana, baada ya saa moja naumwa na kichwa. "
                "Mna saizi kubwa au naweza kubadilisha? Oda {order}.",
                "cap_size",
            ),
            C(
                "Rangi ni tofauti na picha",
                "Habari, rangi ya {product} ni nyepesi sana kuliko kwenye tovuti yenu na "
                "hailingani na nywele zangu. Naweza kubadilisha? Oda {order}.",
                "colour",
            ),
        ],
        "refund": [
            C(
                "Sijarudishiwa pesa bado",
                "Habari, nilirudisha bidhaa za oda {order} wiki mbili zilizopita lakini bado "
                "sijarudishiwa pesa. Tafadhali angalieni.",
                "refund_status",
            ),
            C(
                "Nataka kughairi oda",
                "Habari, tafadhali ghairini oda {order} na mnirudishie pesa zangu. Nimepata "
                "nilichohitaji hapa karibu. Asante.",
                "cancellation",
            ),
        ],
        "not_as_described": [
            C(
                "Nywele si nyingi kama ilivyotangazwa",
                "Habari, {product} imetangazwa kuwa na density ya 180% lakini nywele ni chache "
                "sana, kofia inaonekana. Hiki si nilicholipia. Oda {order}.",
                "density",
            ),
            C(
                "Lace si HD",
                "Habari, tangazo linasema HD lace lakini lace ya {product} ni ya rangi ya kahawia "
                "na inaonekana wazi kwenye ngozi yangu. Oda {order}.",
                "lace_type",
            ),
        ],
        "other": [
            C(
                "Swali kuhusu usafirishaji",
                "Habari, inachukua muda gani kusafirisha hadi Kenya na mna huduma ya express? "
                "Nataka kuagiza {product} kwa siku yangu ya kuzaliwa.",
                "pre_sale",
            ),
            C(
                "Jinsi ya kutunza wigi",
                "Habari, mnapendekeza shampoo na conditioner gani kwa {product}? Naweza kutumia "
                "pasi ya nywele?",
                "care_advice",
            ),
        ],
    },
    first_replies={
        "logistics": "Habari {first},\n\nAsante kwa kuwasiliana nasi na samahani kwa kusubiri. "
        "Nimeangalia tracking {tracking} ya {carrier} kwa oda {order} na nimefungua uchunguzi "
        "kwao. Nitakujulisha mara nikipata jibu, kwa kawaida ndani ya saa 24.",
        "quality": "Habari {first},\n\nPole sana kwa usumbufu huu. Tafadhali tutumie picha mbili "
        "au tatu au video fupi ya nywele na lebo ya mfuko. Tukishazipokea tutakutumia nyingine "
        "au kukurudishia pesa za oda {order}, upendavyo.",
        "wrong_item": "Habari {first},\n\nSamahani kwa kosa hili. Leo tumekutumia {product} "
        "sahihi kwa oda {order}, na utapokea kwa barua pepe lebo ya kurudisha bidhaa nyingine "
        "bila malipo.",
        "size_color": "Habari {first},\n\nAsante kwa kutujulisha. Tunaweza kubadilisha {product} "
        "ikiwa haijakatwa wala kupakwa rangi. Nimekutumia lebo ya kurudisha; niambie saizi ya "
        "kofia au rangi unayotaka.",
        "refund": "Habari {first},\n\nNimeona ombi lako la oda {order} na nimelipeleka kwa timu "
        "yetu ya malipo. Utapata uthibitisho pesa zikishatumwa.",
        "not_as_described": "Habari {first},\n\nAsante kwa maelezo, na pole kwamba {product} si "
        "kama ulivyotarajia. Unaweza kututumia picha kwenye mwanga wa mchana? Nitalipeleka kwa "
        "timu ya bidhaa na kukurudia na njia za kulitatua.",
        "other": "Habari {first},\n\nAsante kwa swali lako! Usafirishaji wa kawaida huchukua siku "
        "3 hadi 7 za kazi, na express siku 1 hadi 3. Kwa utunzaji, tumia shampoo isiyo na "
        "sulfate na usizidishe joto la 180 °C. Karibu tena ukiwa na swali lolote.",
    },
    resolutions={
        "logistics": "Habari {first},\n\nHabari njema: {carrier} wamethibitisha kuwa mzigo wako "
        "uko njiani tena na utafika ndani ya siku mbili. Nafunga ombi hili, lakini jibu hapa "
        "ikiwa haujafika.",
        "quality": "Habari {first},\n\nAsante kwa picha. Tumekurudishia pesa zote za {product} ya "
        "oda {order}; zitaingia ndani ya siku 5 hadi 10 za kazi. Huna haja ya kuirudisha. "
        "Tumewasilisha ripoti yako kwa timu yetu ya ubora.",
        "wrong_item": "Habari {first},\n\nKwa mujibu wa tracking, {product} sahihi imekufikia. "
        "Asante kwa uvumilivu wako!",
        "size_color": "Habari {first},\n\nTumepokea bidhaa uliyorudisha na mbadala wako uko "
        "njiani.",
        "refund": "Habari {first},\n\nPesa za oda {order} zimerudishwa leo. Kulingana na benki "
        "yako, zinaweza kuchukua siku 5 hadi 10 za kazi kuonekana.",
        "not_as_described": "Habari {first},\n\nKama njia ya kuomba radhi, tumekurudishia "
        "asilimia 30 ya bei ya {product}. Ukipenda kuirudisha, tutakurudishia pesa zote.",
        "other": "Habari {first},\n\nNimefurahi kukusaidia. Uwe na siku njema!",
    },
    follow_ups=[
        "Kuna habari yoyote kuhusu hili?",
        "Habari, bado sijapata jibu.",
        "Asante, nimeambatisha picha mlizoomba.",
    ],
    thanks=["Asanteni sana kwa msaada wenu!", "Nimepokea, asante sana."],
    signature="Kila la heri,\n{agent}\nHuduma kwa Wateja, {brand}",
)
