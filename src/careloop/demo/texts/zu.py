"""Ticket texts in isiZulu (customers in South Africa), with the English loanwords people use."""

from careloop.demo.texts.kinds import Complaint as C
from careloop.demo.texts.kinds import LanguageTexts

TEXTS = LanguageTexts(
    complaints={
        "logistics": [
            C(
                "I-oda {order} ayikafiki",
                "Sawubona, ngi-ode i-oda {order} ngaphezu kwesonto eledlule kodwa i-tracking "
                "ye-{carrier} ({tracking}) ayishintshi izinsuku eziningi. Ngidinga le wig "
                "emshadweni ngempelasonto ezayo. Ngicela ningitshele ukuthi iphakethe lami "
                "likuphi.",
                "delayed",
            ),
            C(
                "Iphakethe libambeke e-customs",
                "Sawubona, iphakethe le-oda {order} selicishe libe isonto lithi 'held at customs' "
                "ku-{carrier}. Ingabe kukhona okufanele ngikukhokhe? Akekho oxhumane nami.",
                "customs",
            ),
        ],
        "quality": [
            C(
                "Iwigi iyavuthuka kakhulu",
                "Sawubona, ngithole i-{product} ngesonto eledlule kodwa iyavuthuka kakhulu. Njalo "
                "uma ngiyikama, ngisala nezinwele eziningi esandleni. Ngiyigeze kanye kuphela "
                "ngokwemiyalelo yenu. I-oda {order}.",
                "shedding",
            ),
            C(
                "Izinwele ziyaxakana ngemuva kokugeza",
                "Sawubona, izinwele ze-{product} (i-oda {order}) seziyaxakana ngemuva entanyeni "
                "kusukela ngiyigeza okokuqala, futhi zomile. Ngaleli nani bengilindele okungcono.",
                "tangling",
            ),
        ],
        "wrong_item": [
            C(
                "Ngithole into engeyona",
                "Sawubona, bengi-ode i-{product} kodwa ebhokisini bekukhona i-{other}. I-oda "
                "{order}. Ngicela ningithumelele efanele ngokushesha.",
                "wrong_item",
            ),
            C(
                "Ubude abufani ne-oda yami",
                "Sawubona, ku-oda {order} ngikhokhele i-{product} kodwa ngithole ubude "
                "obuhlukile. Ilebula esikhwameni ayifani ne-oda yami.",
                "wrong_item length",
            ),
        ],
        "size_color": [
            C(
                "I-cap incane kakhulu",
                "Sawubona, i-cap ye-{product} iyangicinanisa, ngiphathwa yikhanda emva kwehora. "
                "Ninayo enkulu noma ngingayishintsha? I-oda {order}.",
                "cap_size",
            ),
            C(
                "Umbala ukhanya kunasezithombeni",
                "Sawubona, umbala we-{product} ukhanya kakhulu kunasewebhusayithini yenu futhi "
                "awufani nezinwele zami. Ngingayishintsha? I-oda {order}.",
                "colour",
            ),
        ],
        "refund": [
            C(
                "Angikayitholi imali yami",
                "Sawubona, ngabuyisa i-oda {order} emavikini amabili edlule kodwa angikabuyiselwa "
                "imali. Ngicela nihlole.",
                "refund_status",
            ),
            C(
                "Ngifuna ukukhansela i-oda",
                "Sawubona, ngicela nikhansele i-oda {order} ningibuyisele imali. Sengitholile "
                "engikudingayo. Ngiyabonga.",
                "cancellation",
            ),
        ],
        "not_as_described": [
            C(
                "Izinwele azigcwele njengasesikhangisweni",
                "Sawubona, i-{product} ikhangiswa njenge-density engu-180% kodwa izinwele "
                "zincane kakhulu, i-cap iyabonakala. Akusikho engikukhokhele. I-oda {order}.",
                "density",
            ),
            C(
                "Akuyona i-HD lace",
                "Sawubona, isikhangiso sithi i-HD lace kodwa i-lace ye-{product} insundu futhi "
                "iyabonakala esikhumbeni sami. I-oda {order}.",
                "lace_type",
            ),
        ],
        "other": [
            C(
                "Umbuzo mayelana nokulethwa",
                "Sawubona, kuthatha isikhathi esingakanani ukuletha eNingizimu Afrika futhi "
                "ninayo i-express? Ngifuna uku-oda i-{product} ngosuku lwami lokuzalwa.",
                "pre_sale",
            ),
            C(
                "Ngiyinakekela kanjani iwigi?",
                "Sawubona, iyiphi i-shampoo ne-conditioner eniyincomayo ye-{product}? "
                "Ngingasebenzisa i-flat iron?",
                "care_advice",
            ),
        ],
    },
    first_replies={
        "logistics": "Sawubona {first},\n\nSiyabonga ngokuxhumana nathi futhi siyaxolisa "
        "ngokulinda. Ngihlolile i-tracking {tracking} ye-{carrier} ye-oda {order} futhi ngivule "
        "uphenyo nabo. Ngizokwazisa uma ngithola impendulo, ngokuvamile kungakapheli amahora "
        "angu-24.",
        "quality": "Sawubona {first},\n\nSiyaxolisa kakhulu ngalokhu. Ngicela usithumelele "
        "izithombe ezimbili noma ezintathu noma ividiyo emfushane yezinwele nelebula "
        "yesikhwama. Uma sesizitholile, sizokuthumelela enye noma sikubuyisele imali ye-oda "
        "{order}, njengoba uthanda.",
        "wrong_item": "Sawubona {first},\n\nSiyaxolisa ngaleli phutha. Namuhla sikuthumelele "
        "i-{product} efanele ye-oda {order}, futhi uzothola nge-imeyili ilebula yokubuyisa "
        "enye mahhala.",
        "size_color": "Sawubona {first},\n\nSiyabonga ngokusazisa. Singayishintsha i-{product} "
        "uma ingakasikwa noma ifakwe umbala. Ngikuthumelele ilebula yokubuyisa; ngitshele "
        "usayizi we-cap noma umbala owufunayo.",
        "refund": "Sawubona {first},\n\nNgibonile isicelo sakho se-oda {order} futhi "
        "ngisidlulisele ethimbeni lethu lezinkokhelo. Uzothola isiqinisekiso uma imali "
        "isibuyisiwe.",
        "not_as_described": "Sawubona {first},\n\nSiyabonga ngemininingwane, futhi siyaxolisa "
        "ukuthi i-{product} ayifani nalokho obukulindele. Ungasithumelela isithombe emini? "
        "Ngizokudlulisela ethimbeni lemikhiqizo bese ngibuya kuwe nezixazululo.",
        "other": "Sawubona {first},\n\nSiyabonga ngombuzo wakho! Ukulethwa okujwayelekile "
        "kuthatha izinsuku zokusebenza ezi-3 kuya kwezi-7, i-express 1 kuya kwezi-3. Ukuze "
        "uyinakekele, sebenzisa i-shampoo engenayo i-sulphate futhi ungedluli ku-180 °C.",
    },
    resolutions={
        "logistics": "Sawubona {first},\n\nIndaba enhle: i-{carrier} iqinisekisile ukuthi "
        "iphakethe lakho selisendleleni futhi kufanele lifike ezinsukwini ezimbili. Ngiyasivala "
        "lesi sicelo, kodwa phendula lapha uma lingafiki.",
        "quality": "Sawubona {first},\n\nSiyabonga ngezithombe. Sikubuyisele yonke imali "
        "ye-{product} ye-oda {order}; izongena ezinsukwini zokusebenza ezi-5 kuya kwezi-10. "
        "Awudingi ukuyibuyisa. Umbiko wakho siwudlulisele ethimbeni lethu lekhwalithi.",
        "wrong_item": "Sawubona {first},\n\nNgokwe-tracking, i-{product} efanele isifikile kuwe. "
        "Siyabonga ngokubekezela kwakho!",
        "size_color": "Sawubona {first},\n\nSiyitholile into oyibuyisile futhi esikushintshele "
        "yona isendleleni.",
        "refund": "Sawubona {first},\n\nImali ye-oda {order} ibuyisiwe namuhla. Kuya ngebhange "
        "lakho, kungathatha izinsuku zokusebenza ezi-5 kuya kwezi-10 ukuthi ivele.",
        "not_as_described": "Sawubona {first},\n\nNjengesixolo, sikubuyisele amaphesenti angu-30 "
        "entengo ye-{product}. Uma ukhetha ukuyibuyisa, sizokubuyisela yonke imali.",
        "other": "Sawubona {first},\n\nKuyangijabulisa ukuthi ngikwazile ukusiza. Ube nosuku "
        "oluhle!",
    },
    follow_ups=[
        "Ingabe kukhona okusha ngalokhu?",
        "Sawubona, angikayitholi impendulo.",
        "Ngiyabonga, nazi izithombe enizicelile.",
    ],
    thanks=["Ngiyabonga kakhulu ngosizo lwenu!", "Ngiyitholile, ngiyabonga."],
    signature="Ngokuzithoba,\n{agent}\nUsizo Lwamakhasimende, {brand}",
)
