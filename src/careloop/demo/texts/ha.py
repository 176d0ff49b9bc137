"""Ticket texts in Hausa (customers in Nigeria), with the English loanwords people use."""

from careloop.demo.texts.kinds import Complaint as C
from careloop.demo.texts.kinds import LanguageTexts

TEXTS = LanguageTexts(
    complaints={
        "logistics": [
            C(
                "Oda {order} bai iso ba har yanzu",
                "Sannu. Na yi oda {order} sama da mako guda da ya wuce, amma tracking na "
                "{carrier} ({tracking}) bai canza ba kwana da kwanaki. Ina bukatar wig din don "
                "wani biki a karshen mako mai zuwa. Don Allah ku gaya min ina kayana suke.",
                "delayed",
            ),
            C(
                "Kayana sun makale a kwastam",
                "Sannu. Kayan oda {order} suna nuna 'held at customs' a {carrier} kusan mako "
                "guda. Shin akwai abin da zan biya? Babu wanda ya tuntube ni.",
                "customs",
            ),
        ],
        "quality": [
            C(
                "Gashin wig yana zubewa sosai",
                "Sannu. Na karbi {product} makon da ya wuce, amma gashin yana zubewa sosai. Duk "
                "lokacin da na taje shi, gashi da yawa yana saura a hannuna. Sau daya kawai na "
                "wanke shi kamar yadda kuka ce. Oda {order}.",
                "shedding",
            ),
            C(
                "Gashin yana cukurkudewa bayan wanki",
                "Sannu. Gashin {product} (oda {order}) ya fara cukurkudewa a baya tun farkon "
                "wanki, kuma ya bushe. Da wannan farashin, na yi tsammanin abu mafi kyau.",
                "tangling",
            ),
        ],
        "wrong_item": [
            C(
                "Na karbi kaya ba daidai ba",
                "Sannu. Na yi odar {product} amma a cikin akwatin {other} na samu. Oda {order}. "
                "Don Allah ku turo min daidai da sauri.",
                "wrong_item",
            ),
            C(
                "Tsawon gashin bai dace da oda ba",
                "Sannu. A oda {order} na biya {product} amma wani tsawon daban na karba. Alamar "
                "jakar ba ta dace da odata ba.",
                "wrong_item length",
            ),
        ],
        "size_color": [
            C(
                "Cap din ya yi karami",
                "Sannu. Cap din {product} ya matse ni sosai, kaina yana ciwo bayan awa daya. "
                "Kuna da babba ko zan iya musanya? Oda {order}.",
                "cap_size",
            ),
            C(
                "Launin ya bambanta da hoto",
                "Sannu. Launin {product} ya fi haske fiye da na shafinku, kuma bai dace da gashina "
                "ba. Zan iya musanya shi? Oda {order}.",
                "colour",
            ),
        ],
        "refund": [
            C(
                "Ba a mayar min da kudina ba",
                "Sannu. Na mayar da kayan oda {order} makonni biyu da suka wuce, amma har yanzu "
                "ba a mayar min da kudina ba. Don Allah ku duba.",
                "refund_status",
            ),
            C(
                "Ina so in soke oda",
                "Sannu. Don Allah ku soke oda {order} ku mayar min da kudina. Na samu abin da nake "
                "bukata a nan. Na gode.",
                "cancellation",
            ),
        ],
        "not_as_described": [
            C(
                "Gashin bai cika kamar yadda aka tallata ba",
                "Sannu. An tallata {product} da density 180%, amma gashin ya yi siriri sosai, ana "
                "ganin cap din. Ba wannan na biya ba. Oda {order}.",
                "density",
            ),
            C(
                "Ba HD lace ba ne",
                "Sannu. Tallan ya ce HD lace ne, amma lace din {product} ruwan kasa ne kuma ana "
                "ganinsa a fatata. Oda {order}.",
                "lace_type",
            ),
        ],
        "other": [
            C(
                "Tambaya game da isar da kaya",
                "Sannu. Kwana nawa ake dauka kafin kaya su iso Najeriya, kuma kuna da express? "
                "Ina so in sayi {product} don ranar haihuwata.",
                "pre_sale",
            ),
            C(
                "Yaya zan kula da wig dina?",
                "Sannu. Wane shampoo da conditioner kuke ba da shawara don {product}? Zan iya "
                "amfani da flat iron?",
                "care_advice",
            ),
        ],
    },
    first_replies={
        "logistics": "Sannu {first},\n\nNa gode da tuntubar mu, kuma ku yi hakuri da jira. Na "
        "duba tracking {tracking} na {carrier} don oda {order}, kuma na bude bincike da su. Zan "
        "sanar da ku da zarar na ji daga gare su, yawanci cikin awa 24.",
        "quality": "Sannu {first},\n\nMuna matukar ba da hakuri. Don Allah ku turo mana hotuna "
        "biyu ko uku ko gajeren bidiyo na gashin da alamar jakar. Idan mun karba, za mu turo "
        "muku wani ko mu mayar muku da kudin oda {order}, duk wanda kuka fi so.",
        "wrong_item": "Sannu {first},\n\nKu yi hakuri da wannan kuskure. Yau mun turo muku "
        "{product} daidai don oda {order}, kuma za ku karbi alamar mayar da dayan kyauta ta imel.",
        "size_color": "Sannu {first},\n\nNa gode da sanar da mu. Za mu iya musanya {product} idan "
        "ba a yanke shi ko aka yi masa launi ba. Na turo muku alamar mayarwa; ku gaya min "
        "girman cap ko launin da kuke so.",
        "refund": "Sannu {first},\n\nNa ga bukatarku game da oda {order}, kuma na mika ta ga "
        "sashen biyan kudi. Za ku samu tabbaci da zarar an mayar da kudin.",
        "not_as_described": "Sannu {first},\n\nNa gode da bayanin, kuma ku yi hakuri da {product} "
        "bai zama kamar yadda kuka yi tsammani ba. Za ku iya turo hoto da aka dauka da hasken "
        "rana? Zan mika shi ga sashen kayayyaki, sannan in dawo muku da mafita.",
        "other": "Sannu {first},\n\nNa gode da tambayarku! Isar da kaya na yau da kullum yana "
        "daukar kwanakin aiki 3 zuwa 7, express kuma 1 zuwa 3. Ku yi amfani da shampoo mara "
        "sulphate kuma kada zafi ya wuce 180 °C.",
    },
    resolutions={
        "logistics": "Sannu {first},\n\nAlbishir: {carrier} sun tabbatar cewa kayanku suna kan "
        "hanya kuma ya kamata su iso cikin kwana biyu. Zan rufe wannan bukata, amma ku amsa a "
        "nan idan ba su iso ba.",
        "quality": "Sannu {first},\n\nNa gode da hotunan. Mun mayar muku da dukkan kudin "
        "{product} na oda {order}; zai shiga cikin kwanakin aiki 5 zuwa 10. Ba sai kun mayar da "
        "shi ba. Mun mika rahotonku ga sashen ingancin kaya.",
        "wrong_item": "Sannu {first},\n\nBisa ga tracking, {product} daidai ya iso gare ku. Na "
        "gode da hakurinku!",
        "size_color": "Sannu {first},\n\nMun karbi kayan da kuka mayar, kuma wanda kuka musanya "
        "yana kan hanya.",
        "refund": "Sannu {first},\n\nAn mayar da kudin oda {order} yau. Dangane da bankinku, zai "
        "iya daukar kwanakin aiki 5 zuwa 10 kafin ya bayyana.",
        "not_as_described": "Sannu {first},\n\nDon neman gafara, mun mayar muku da kashi 30 "
        "cikin 100 na farashin {product}. Idan kun fi so ku mayar da shi, za mu mayar da dukkan "
        "kudin.",
        "other": "Sannu {first},\n\nNa ji dadin taimaka muku. Ku yi rana mai kyau!",
    },
    follow_ups=[
        "Akwai wani labari game da wannan?",
        "Sannu, har yanzu ban ji komai ba.",
        "Na gode, ga hotunan da kuka nema.",
    ],
    thanks=["Na gode sosai da taimakonku!", "Na karba, na gode."],
    signature="Na gode,\n{agent}\nSashen Kula da Abokan Ciniki, {brand}",
)
